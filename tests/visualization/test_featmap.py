"""draw_featmap on tensors and arrays: reductions, overlays, top-k grids and shape errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.visualization import Visualizer
from mmlightning.visualization.utils import VisualizerArgumentError, convert_overlay_heatmap

JET_LOW, JET_HIGH = [0, 0, 128], [128, 0, 0]  # jet at 0 and at 255


def ramp(channels: int = 2, height: int = 6, width: int = 8) -> torch.Tensor:
    """Channel c is the column index times (c + 1): the last channel has the largest sum."""
    cols = torch.arange(width, dtype=torch.float32).expand(height, width)
    return torch.stack([cols * (c + 1) for c in range(channels)])


@pytest.mark.parametrize('to_input', [lambda t: t, lambda t: t.numpy()], ids=['tensor', 'ndarray'])
def test_squeeze_mean_heatmap_goes_from_blue_to_red(to_input) -> None:
    heat = Visualizer.draw_featmap(to_input(ramp()))
    assert heat.shape == (6, 8, 3) and heat.dtype == np.uint8
    np.testing.assert_array_equal(heat[0, 0], JET_LOW)
    np.testing.assert_array_equal(heat[0, -1], JET_HIGH)


def test_select_max_keeps_the_channel_of_largest_sum() -> None:
    featmap = torch.zeros(3, 4, 4)
    featmap[0, 0, 0] = 1.0  # small sum
    featmap[2] = torch.arange(16.0).reshape(4, 4)  # largest sum, peak at the bottom right
    heat = Visualizer.draw_featmap(featmap, channel_reduction='select_max')
    np.testing.assert_array_equal(heat[-1, -1], JET_HIGH)
    np.testing.assert_array_equal(heat[0, 0], JET_LOW)


def test_overlay_blends_with_alpha_and_gray_image_is_expanded() -> None:
    featmap = torch.zeros(1, 4, 4)
    featmap[0, 0, 0] = 1.0
    image = np.full((4, 4), 200, dtype=np.uint8)
    heat = Visualizer.draw_featmap(featmap, image, alpha=0.25)
    np.testing.assert_array_equal(heat[0, 0], [182, 150, 150])  # 200*.75 + 128*.25 = 182
    np.testing.assert_array_equal(heat[1, 1], [150, 150, 182])


def test_overlay_of_other_size_interpolates_featmap_with_warning() -> None:
    image = np.zeros((12, 16, 3), dtype=np.uint8)
    with pytest.warns(UserWarning, match='will be interpolated'):
        heat = Visualizer.draw_featmap(ramp(), image)
    assert heat.shape == (12, 16, 3)


def test_resize_shape_resizes_featmap_and_image() -> None:
    image = np.full((6, 8, 3), 50, dtype=np.uint8)
    heat = Visualizer.draw_featmap(ramp(), image, resize_shape=(12, 10))
    assert heat.shape == (12, 10, 3)


def test_topk_grid_tiles_channels_in_arrangement() -> None:
    heat = Visualizer.draw_featmap(ramp(5, 20, 24), channel_reduction=None, topk=4,
                                   arrangement=(2, 2))
    assert heat.shape == (40, 48, 3)


def test_topk_zero_needs_one_or_three_channels() -> None:
    assert Visualizer.draw_featmap(ramp(3), channel_reduction=None, topk=0).shape == (6, 8, 3)
    with pytest.raises(VisualizerArgumentError, match='must be 1 or 3'):
        Visualizer.draw_featmap(ramp(2), channel_reduction=None, topk=0)


def test_featmap_errors() -> None:
    with pytest.raises(VisualizerArgumentError, match='dimension must be 3'):
        Visualizer.draw_featmap(torch.zeros(1, 2, 4, 4))
    with pytest.raises(VisualizerArgumentError, match='dimension must be 3'):
        Visualizer.draw_featmap(np.zeros((4, 4)))
    with pytest.raises(TypeError, match='torch.Tensor or np.ndarray'):
        Visualizer.draw_featmap([[[0.0]]])
    with pytest.raises(VisualizerArgumentError, match='squeeze_mean'):
        Visualizer.draw_featmap(ramp(), channel_reduction='max')
    with pytest.raises(VisualizerArgumentError, match='arrangement'):
        Visualizer.draw_featmap(ramp(), channel_reduction=None, topk=5, arrangement=(2, 2))


def test_convert_overlay_heatmap_constant_map_and_bad_shape() -> None:
    np.testing.assert_array_equal(convert_overlay_heatmap(np.ones((2, 2)))[0, 0], JET_LOW)
    with pytest.raises(VisualizerArgumentError, match=r'\(H, W\)'):
        convert_overlay_heatmap(np.ones((2, 2, 2)))
