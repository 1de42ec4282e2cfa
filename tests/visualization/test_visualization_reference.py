"""The visualization package against mmengine 0.10.7 itself (skipped without mmengine)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlightning.visualization import LocalVisBackend, Visualizer

mmengine_vis = pytest.importorskip('mmengine.visualization')


def scalar_calls(backend) -> None:
    backend.add_scalar('mAP', 0.6, step=2)
    backend.add_scalar('t', torch.tensor(1.5))
    backend.add_scalars({'lr': 0.04, 'loss': 1.72, 'epoch': 1, 'iter': 2}, step=2,
                        file_path='run.json')
    backend.add_scalars({'toy/mse': 0.731, 'step': 1}, step=5)


def test_local_backend_files_match_mmengine(tmp_path: Path) -> None:
    ours, theirs = tmp_path / 'ours', tmp_path / 'theirs'
    scalar_calls(LocalVisBackend(str(ours)))
    scalar_calls(mmengine_vis.LocalVisBackend(str(theirs)))
    for name in ('scalars.json', 'run.json'):
        assert (ours / name).read_text() == (theirs / name).read_text()
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    LocalVisBackend(str(ours)).add_image('img', image, step=4)
    mmengine_vis.LocalVisBackend(str(theirs)).add_image('img', image, step=4)
    from PIL import Image

    np.testing.assert_array_equal(np.asarray(Image.open(ours / 'vis_image' / 'img_4.png')),
                                  np.asarray(Image.open(theirs / 'vis_image' / 'img_4.png')))


def draw_all(vis) -> np.ndarray:
    vis.draw_bboxes(np.array([[4, 4, 30, 20], [10, 12, 44, 36]]), edge_colors=['r', (0, 0, 255)],
                    line_widths=[1, 3])
    vis.draw_polygons(torch.tensor([[20, 2], [40, 2], [30, 15]]), face_colors='y', alpha=0.5)
    vis.draw_lines(np.array([[0, 47], [5, 5]]), np.array([[39, 0], [0, 39]]), colors='c')
    vis.draw_circles(np.array([[24, 20]]), np.array([6]), edge_colors='m', face_colors='w')
    vis.draw_points(np.array([[3, 3], [44, 36]]), colors=['r', 'g'])
    vis.draw_texts(['ab', 'c'], np.array([[2, 2], [30, 30]]), colors='w', font_sizes=[8, 12])
    return vis.get_image()


def test_drawing_is_pixel_identical_to_mmengine() -> None:
    image = np.random.default_rng(1).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    ours = draw_all(Visualizer(image=image))
    theirs = draw_all(mmengine_vis.Visualizer(name='reference-draw', image=image))
    np.testing.assert_array_equal(ours, theirs)


def test_binary_masks_match_mmengine_within_rounding() -> None:
    image = np.random.default_rng(2).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    masks = np.random.default_rng(3).random((2, 16, 20)) > 0.5
    ours = Visualizer(image=image).draw_binary_masks(masks, colors=['r', (10, 200, 30)],
                                                     alphas=[0.3, 0.6]).get_image()
    theirs = mmengine_vis.Visualizer(name='reference-mask', image=image).draw_binary_masks(
        masks, colors=['r', (10, 200, 30)], alphas=[0.3, 0.6]).get_image()
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


@pytest.mark.parametrize('kwargs', [dict(), dict(channel_reduction='select_max'),
                                    dict(channel_reduction=None, topk=0, resize_shape=(20, 24)),
                                    dict(channel_reduction=None, topk=4, arrangement=(2, 2))])
def test_featmap_matches_mmengine_within_rounding(kwargs: dict) -> None:
    featmap = torch.rand(3, 10, 12, generator=torch.Generator().manual_seed(0))
    image = np.random.default_rng(4).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    ours = Visualizer.draw_featmap(featmap, image, **kwargs)
    theirs = mmengine_vis.Visualizer.draw_featmap(featmap, image, **kwargs)
    assert ours.shape == theirs.shape
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 2


def _record_calls(backend_class: type, module: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls a backend makes on a stand-in package for the same scalars and image."""
    from unittest.mock import MagicMock

    package = MagicMock(name=module)
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, module, package)
        backend = backend_class()
        backend.add_scalar('mAP', 0.6, step=2)
        backend.add_scalars({'lr': 0.04, 'loss': 1.72}, step=3)
        backend.add_image('img', IMAGE, step=4)
        backend.close()
    # mocks differ by id; default run names are the time of day (the two runs may straddle a second)
    return [re.sub(r"\d{8}_\d{6}", '<timestamp>', re.sub(r" id='\d+'", '', repr(c)))
            for c in package.mock_calls]


IMAGE = np.zeros((2, 3, 3), np.uint8)


@pytest.mark.parametrize('name, module', [('ClearMLVisBackend', 'clearml'),
                                          ('AimVisBackend', 'aim')])
def test_optional_backends_make_mmengines_calls(name: str, module: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import mmlightning.visualization as ours

    assert (_record_calls(getattr(ours, name), module, monkeypatch)
            == _record_calls(getattr(mmengine_vis, name), module, monkeypatch))
