"""Thin wrappers over torch functions (MMEngine's ``parrots_wrapper``, ``torch_ops``, ``trace``)."""
from __future__ import annotations

import torch

TORCH_VERSION: str = torch.__version__


def torch_meshgrid(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``torch.meshgrid`` with ``indexing='ij'``, without the warning of the default.

    Args:
        *tensors: Scalars or 1-D tensors.

    Returns:
        The grids, one per input.
    """
    return tuple(torch.meshgrid(*tensors, indexing='ij'))


def is_jit_tracing() -> bool:
    """Whether the code runs under ``torch.jit.trace``."""
    return torch.jit.is_tracing()
