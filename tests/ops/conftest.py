"""Fixtures of the kernel tests: the loop references, mmcv's wrappers on our kernels and
``roi_align_sample``."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import torch

from mmlightning.ops import install
from mmlightning.ops.extension import is_mmlightning_extension

BENCHMARKS = Path(__file__).resolve().parents[2] / 'benchmarks'


@pytest.fixture(scope='session')
def reference() -> ModuleType:
    """``benchmarks/ops_reference.py``: mmcv's kernel loops transcribed one element at a time."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module('ops_reference')
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope='module')
def mmcv_ops() -> Iterator[ModuleType]:
    """``mmcv.ops`` with mmlightning's kernels; skips without mmcv or with a compiled one.

    ``sys.modules['mmcv._ext']`` is restored afterwards (the imported wrappers keep the kernels).
    """
    pytest.importorskip('mmcv')
    saved = sys.modules.get('mmcv._ext')
    try:
        if not is_mmlightning_extension(install()):
            pytest.skip('a compiled mmcv._ext is in use: these tests are of mmlightning kernels')
        import mmcv.ops
        yield mmcv.ops
    finally:
        if saved is None:
            sys.modules.pop('mmcv._ext', None)
        else:
            sys.modules['mmcv._ext'] = saved


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Small kernels on a shared machine: intra-op threads only add waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _roi_align_sample(img: torch.Tensor, y: float, x: float) -> torch.Tensor:
    """RoIAlign's sample of ``img`` (C, H, W) at one point (clamped into the map), as loops."""
    h, w = img.shape[-2:]
    if y < -1 or y > h or x < -1 or x > w:
        return img.new_zeros(img.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    if y0 >= h - 1:
        y0, y = h - 1, float(h - 1)
    if x0 >= w - 1:
        x0, x = w - 1, float(w - 1)
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * img[:, y0, x0] + (1 - ly) * lx * img[:, y0, x1]
            + ly * (1 - lx) * img[:, y1, x0] + ly * lx * img[:, y1, x1])


@pytest.fixture
def roi_align_sample() -> Callable[[torch.Tensor, float, float], torch.Tensor]:
    """mmcv's RoIAlign bilinear rule written as plain Python, for loop references."""
    return _roi_align_sample
