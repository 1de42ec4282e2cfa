"""Every draw_* method puts the expected pixels on the canvas and checks its arguments."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.visualization import Visualizer
from mmlightning.visualization.utils import VisualizerArgumentError


def is_red(pixel: np.ndarray) -> bool:
    return pixel[0] > 150 and pixel[1] < 40 and pixel[2] < 40


def test_set_and_get_image_round_trip() -> None:
    image = np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    vis = Visualizer(image=image)
    assert (vis.width, vis.height) == (48, 40)
    assert vis._default_font_size == 10
    np.testing.assert_array_equal(vis.get_image(), image)


def test_get_image_without_image_raises() -> None:
    with pytest.raises(RuntimeError, match='set_image'):
        Visualizer().get_image()


def test_set_image_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match='np.ndarray'):
        Visualizer().set_image([[0, 0, 0]])


@pytest.mark.parametrize('to_input', [np.asarray, torch.as_tensor])
def test_draw_bboxes_red_edges_and_untouched_inside(black_vis: Visualizer, to_input) -> None:
    img = black_vis.draw_bboxes(to_input([8, 8, 32, 30]), edge_colors='r').get_image()
    assert is_red(img[8, 20]) and is_red(img[30, 20]) and is_red(img[19, 8]) and is_red(img[19, 32])
    assert (img[19, 20] == 0).all()  # face_colors='none'
    assert (img[2, 2] == 0).all()


def test_draw_bboxes_rgb_tuple_color_and_several_boxes(black_vis: Visualizer) -> None:
    boxes = np.array([[2, 2, 10, 10], [20, 20, 40, 35]])
    img = black_vis.draw_bboxes(boxes, edge_colors=[(0, 0, 255), (0, 255, 0)], alpha=1).get_image()
    assert img[2, 6, 2] > 200 and img[2, 6, 0] < 40
    assert img[20, 30, 1] > 200 and img[20, 30, 2] < 40


@pytest.mark.filterwarnings('ignore:Warning. The polygon is out of bounds')
def test_draw_bboxes_errors(black_vis: Visualizer) -> None:
    with pytest.raises(TypeError, match='bboxes'):
        black_vis.draw_bboxes([0, 0, 1, 1])
    with pytest.raises(VisualizerArgumentError, match=r'\(N, 4\)'):
        black_vis.draw_bboxes(np.array([0, 0, 1]))
    with pytest.raises(AssertionError, match='x1 <= x2'):  # MMEngine raised AssertionError
        black_vis.draw_bboxes(np.array([10, 0, 1, 5]))
    with pytest.warns(UserWarning, match='bbox is out of bounds'):
        black_vis.draw_bboxes(np.array([0, 0, 100, 5]))


def test_draw_polygons_filled_interior_color(black_vis: Visualizer) -> None:
    square = torch.tensor([[10, 10], [30, 10], [30, 30], [10, 30]])
    img = black_vis.draw_polygons(square, edge_colors='b', face_colors=(255, 0, 0),
                                  alpha=1).get_image()
    np.testing.assert_array_equal(img[20, 20], [255, 0, 0])
    assert img[10, 20, 2] > 200  # blue edge
    assert (img[35, 40] == 0).all()


def test_draw_polygons_alpha_blends_face(black_vis: Visualizer) -> None:
    square = np.array([[10, 10], [30, 10], [30, 30], [10, 30]])
    img = black_vis.draw_polygons(square, face_colors=(200, 0, 0), alpha=0.5).get_image()
    assert abs(int(img[20, 20, 0]) - 100) <= 1


def test_draw_polygons_bad_shape(black_vis: Visualizer) -> None:
    with pytest.raises(VisualizerArgumentError, match=r'\(M, 2\)'):
        black_vis.draw_polygons([np.zeros((4, 3))])


def test_draw_lines_pixels_and_errors(black_vis: Visualizer) -> None:
    img = black_vis.draw_lines(np.array([4, 44]), np.array([20, 20]), colors='r',
                               line_widths=3).get_image()
    assert is_red(img[20, 24]) and (img[5, 24] == 0).all()
    with pytest.raises(VisualizerArgumentError, match='same shape'):
        black_vis.draw_lines(np.array([[0, 1]]), np.array([0, 1, 2]))
    with pytest.raises(VisualizerArgumentError, match=r'\(N, 2\)'):
        black_vis.draw_lines(np.array([0, 1, 2]), np.array([0, 1, 2]))
    with pytest.warns(UserWarning, match='line is out of bounds'):
        black_vis.draw_lines(np.array([0, 100]), np.array([1, 1]))


def test_draw_circles_edge_and_face(black_vis: Visualizer) -> None:
    img = black_vis.draw_circles(np.array([24, 20]), np.array([10]), edge_colors='r',
                                 face_colors=(0, 255, 0), alpha=1).get_image()
    assert is_red(img[10, 24]) and is_red(img[20, 34])
    np.testing.assert_array_equal(img[20, 24], [0, 255, 0])
    assert (img[1, 1] == 0).all()
    with pytest.raises(VisualizerArgumentError, match='center'):
        black_vis.draw_circles(np.array([[1, 1], [2, 2]]), np.array([1]))
    with pytest.warns(UserWarning, match='circle is out of bounds'):
        black_vis.draw_circles(np.array([2, 2]), np.array([5]))


def test_draw_points_colors_pixels(black_vis: Visualizer) -> None:
    img = black_vis.draw_points(torch.tensor([[24.0, 20.0]]), colors='r', sizes=np.array([80])
                                ).get_image()
    assert is_red(img[20, 24]) and (img[2, 2] == 0).all()
    with pytest.raises(VisualizerArgumentError, match=r'\(N, 2\)'):
        black_vis.draw_points(np.array([1, 2, 3]))


def test_draw_texts_changes_pixels_in_region_only(black_vis: Visualizer) -> None:
    img = black_vis.draw_texts('MM', np.array([2, 2]), colors='w', font_sizes=16).get_image()
    assert img[2:24, 2:30].sum() > 0
    assert img[30:, 34:].sum() == 0


def test_draw_texts_per_text_styles_and_bbox(black_vis: Visualizer) -> None:
    img = black_vis.draw_texts(['a', 'b'], np.array([[2, 2], [26, 20]]), colors=['r', (0, 255, 0)],
                               font_sizes=[12, 14], bboxes=dict(facecolor='blue')).get_image()
    assert img[:20, :20, 0].max() > 150 and img[18:, 24:, 1].max() > 150
    assert img[..., 2].max() > 150  # the bbox patch


def test_draw_texts_errors(black_vis: Visualizer) -> None:
    with pytest.raises(VisualizerArgumentError, match=r'\(2, 2\)'):
        black_vis.draw_texts(['a', 'b'], np.array([1, 1]))
    with pytest.raises(AssertionError, match='length of colors'):
        black_vis.draw_texts(['a', 'b'], np.array([[1, 1], [2, 2]]), colors=['r'])
    with pytest.raises(TypeError, match='font_sizes'):
        black_vis.draw_texts('a', np.array([1, 1]), font_sizes='big')
    with pytest.raises(TypeError, match='texts'):
        black_vis.draw_texts(3, np.array([1, 1]))
    with pytest.warns(UserWarning, match='text is out of bounds'):
        black_vis.draw_texts('a', np.array([100, 1]))


def test_draw_binary_masks_alpha_blend_values() -> None:
    image = np.full((10, 12, 3), 100, dtype=np.uint8)
    vis = Visualizer(image=image)
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:6, 3:9] = True
    img = vis.draw_binary_masks(mask, colors=(200, 0, 50), alphas=0.5).get_image()
    np.testing.assert_array_equal(img[3, 4], [150, 50, 75])
    np.testing.assert_array_equal(img[8, 10], [100, 100, 100])


def test_draw_binary_masks_several_masks_named_colors() -> None:
    vis = Visualizer(image=np.zeros((8, 8, 3), dtype=np.uint8))
    masks = torch.zeros((2, 8, 8), dtype=torch.bool)
    masks[0, :4] = True
    masks[1, 4:] = True
    img = vis.draw_binary_masks(masks, colors=['red', 'blue'], alphas=[1.0, 0.25]).get_image()
    np.testing.assert_array_equal(img[1, 1], [255, 0, 0])
    np.testing.assert_array_equal(img[6, 6], [0, 0, 64])


def test_draw_binary_masks_errors(black_vis: Visualizer) -> None:
    with pytest.raises(VisualizerArgumentError, match='np.bool_'):
        black_vis.draw_binary_masks(np.ones((40, 48), dtype=np.uint8))
    with pytest.raises(VisualizerArgumentError, match='same shape'):
        black_vis.draw_binary_masks(np.ones((4, 4), dtype=bool))
    with pytest.raises(VisualizerArgumentError, match=r'\[0, 255\]'):
        black_vis.draw_binary_masks(np.ones((40, 48), dtype=bool), colors=(300, 0, 0))


def test_draw_calls_chain(black_vis: Visualizer) -> None:
    out = black_vis.draw_bboxes(np.array([1, 1, 5, 5])).draw_points(np.array([3, 3]))
    assert out is black_vis
