"""Fixtures of the kernel tests: the loop references and mmcv's wrappers on our kernels."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
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
