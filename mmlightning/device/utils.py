"""Accelerator detection with MMEngine's names.

Vendor backends (Ascend ``torch_npu``, Cambricon ``torch_mlu``, ``torch_dipu``,
Moore Threads ``torch_musa``) are plug-in packages; each is imported once, on
the first question about it, rather than when this module is imported
(MMEngine imports all of them up front). ``get_device`` answers from the
current state on every call, so it follows ``CUDA_VISIBLE_DEVICES`` set before
CUDA initialises.
"""
from __future__ import annotations

import functools
import importlib
import os

import torch

_MB = 1024 * 1024
_NPU_FULL_PRECISION_SOC_VERSION = 220


@functools.cache
def _vendor_module(name: str) -> bool:
    """Return whether the vendor package ``name`` imports (at most one attempt)."""
    try:
        importlib.import_module(name)
    except Exception:  # a broken vendor install must not break CPU/CUDA users
        return False
    return True


def is_cuda_available() -> bool:
    """Return True if CUDA devices exist."""
    return torch.cuda.is_available()


@functools.cache
def is_npu_available() -> bool:
    """Return True if Ascend PyTorch (``torch_npu``) and NPU devices exist.

    Importing ``torch_npu`` sets its compile mode from the ``NPUJITCompile``
    environment variable, as MMEngine does.
    """
    if not _vendor_module('torch_npu'):
        return False
    npu = getattr(torch, 'npu', None)
    if npu is None:
        return False
    npu.set_compile_mode(jit_compile=bool(os.getenv('NPUJITCompile', False)))
    return bool(npu.is_available())


@functools.cache
def is_mlu_available() -> bool:
    """Return True if Cambricon PyTorch (``torch_mlu``) and MLU devices exist."""
    if not _vendor_module('torch_mlu'):
        return False
    mlu = getattr(torch, 'mlu', None)
    return mlu is not None and bool(mlu.is_available())


def is_mps_available() -> bool:
    """Return True if Apple MPS devices exist."""
    return hasattr(torch.backends, 'mps') and torch.backends.mps.is_available()


def is_dipu_available() -> bool:
    """Return True if ``torch_dipu`` is installed."""
    return _vendor_module('torch_dipu')


def is_musa_available() -> bool:
    """Return True if Moore Threads PyTorch (``torch_musa``) is installed."""
    return _vendor_module('torch_musa')


def is_npu_support_full_precision() -> bool:
    """Return True if the NPU's SoC version supports full-precision training."""
    if not is_npu_available():
        return False
    from torch_npu.npu import utils as npu_utils
    return npu_utils.get_soc_version() >= _NPU_FULL_PRECISION_SOC_VERSION


def get_device() -> str:
    """Return the accelerator type this process would use.

    The order is MMEngine's: npu, cuda, mlu, mps, dipu, musa, then cpu.

    Returns:
        One of ``'npu'``, ``'cuda'``, ``'mlu'``, ``'mps'``, ``'dipu'``,
        ``'musa'`` or ``'cpu'``.
    """
    checks = (('npu', is_npu_available), ('cuda', is_cuda_available),
              ('mlu', is_mlu_available), ('mps', is_mps_available),
              ('dipu', is_dipu_available), ('musa', is_musa_available))
    for name, available in checks:
        if available():
            return name
    return 'cpu'


def get_max_cuda_memory(device: torch.device | None = None) -> int:
    """Return the peak CUDA memory held by tensors, in MB, and reset the peak.

    Args:
        device: The device to ask about; ``None`` means the current device.

    Returns:
        The peak allocated memory since the last call (or program start), in
        whole megabytes.
    """
    mem = torch.cuda.max_memory_allocated(device=device)
    torch.cuda.reset_peak_memory_stats(device)
    return int(mem) // _MB


def get_max_musa_memory(device: torch.device | None = None) -> int:
    """Return the peak MUSA memory held by tensors, in MB.

    ``torch_musa`` cannot reset its peak statistics, so unlike
    :func:`get_max_cuda_memory` the value is the peak since program start.

    Args:
        device: The device to ask about; ``None`` means the current device.

    Returns:
        The peak allocated memory, in whole megabytes.
    """
    return int(torch.musa.max_memory_allocated(device=device)) // _MB
