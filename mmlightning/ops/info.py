"""``get_compiler_version`` / ``get_compiling_cuda_version``: what built the kernels.

mmcv's ``collect_env`` reports these; mmlightning's kernels are torch code, compiled by nothing.
"""

from __future__ import annotations

import torch

__all__ = ['get_compiler_version', 'get_compiling_cuda_version']


def get_compiler_version() -> str:
    """Says that the kernels are mmlightning's torch code (no C++ compiler built them)."""
    return f'none (mmlightning.ops torch kernels, torch {torch.__version__})'


def get_compiling_cuda_version() -> str:
    """The CUDA version of the torch build the kernels run on, or ``'not available'`` as mmcv."""
    return torch.version.cuda or 'not available'
