"""Fixtures of the kernel tests: the loop references and mmcv's wrappers on our kernels."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[2] / 'benchmarks'


@pytest.fixture(scope='session')
def reference() -> ModuleType:
    """``benchmarks/ops_reference.py``: mmcv's kernel loops transcribed one element at a time."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module('ops_reference')
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture
def mmcv_ops() -> ModuleType:
    """``mmcv.ops`` with mmlightning's kernels (skips when mmcv is not installed)."""
    pytest.importorskip('mmcv')
    from mmlightning.ops import install

    install()
    return importlib.import_module('mmcv.ops')


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Small kernels on a shared machine: intra-op threads only add waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
