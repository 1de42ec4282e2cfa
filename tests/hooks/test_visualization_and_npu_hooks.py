"""NaiveVisualizationHook draws test samples; NPUProfilerHook needs torch_npu."""
from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock, patch

import numpy as np
import pytest
import torch

from mmlightning.hooks import NaiveVisualizationHook, NPUProfilerHook
from mmlightning.structures import BaseDataElement


class Drawn:
    def __init__(self) -> None:
        self.samples: list[tuple[str, np.ndarray]] = []

    def add_datasample(self, name: str, image: np.ndarray, *args: Any) -> None:
        self.samples.append((name, image))


def test_naive_visualization_hook_unpads_and_resizes_to_the_original() -> None:
    visualizer = Drawn()
    hook = NaiveVisualizationHook(interval=2)
    image = torch.zeros(1, 3, 8, 8)
    image[..., :4, :6] = 1.0  # the unpadded 6 x 4 (width x height) area
    sample = BaseDataElement(metainfo=dict(scale=(6, 4), pad_shape=(8, 8, 3), ori_width=3,
                                           ori_height=2, img_path='dir/a.jpg'))
    batch = [dict(inputs=image, data_sample=sample)]
    runner = SimpleNamespace(visualizer=visualizer)
    hook.after_test_iter(runner, 0, batch, [BaseDataElement()])
    hook.after_test_iter(runner, 1, batch, [BaseDataElement()])  # not every interval
    assert len(visualizer.samples) == 1
    name, drawn = visualizer.samples[0]
    assert name == 'a.jpg' and drawn.shape == (2, 3, 3)
    np.testing.assert_allclose(drawn, 1.0)


def test_npu_profiler_hook_without_torch_npu_says_what_it_needs() -> None:
    with pytest.raises(ImportError, match='Failed to import torch_npu module'):
        NPUProfilerHook()


def test_npu_profiler_hook_profiles_begin_to_end(tmp_path: Any) -> None:
    torch_npu = MagicMock()
    with patch.dict(sys.modules, {'torch_npu': torch_npu}):
        with pytest.raises(ValueError, match='should not be greater than or equal'):
            NPUProfilerHook(begin=1, end=1, result_path=str(tmp_path))
        hook = NPUProfilerHook(begin=1, end=3, result_path=str(tmp_path / 'cann'))
    assert (tmp_path / 'cann').is_dir()
    loop = SimpleNamespace(stop_training=False)
    runner = SimpleNamespace(iter=0, max_iters=2, logger=MagicMock(), train_loop=loop)
    with pytest.raises(ValueError, match='should not be greater than the max'):
        hook.before_run(runner)
    for runner.iter in range(3):
        hook.before_train_iter(runner, runner.iter)
        hook.after_train_iter(runner, runner.iter)
    hook.profiler.__enter__.assert_called_once()
    hook.profiler.__exit__.assert_called_once()
    assert loop.stop_training
