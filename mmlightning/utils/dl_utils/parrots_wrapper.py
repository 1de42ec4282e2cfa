"""MMEngine's ``parrots_wrapper``: torch's private base classes under the names OpenMMLab imports.

MMEngine chose between PyTorch and SenseTime's parrots here; parrots is gone, so every name is
torch's own class (``_BatchNorm`` is ``torch.nn.modules.batchnorm._BatchNorm``, and so on), and
``isinstance`` checks written against these names see torch's layers. The C++ extension builders
load lazily: importing ``torch.utils.cpp_extension`` is slow and rarely needed.
"""
from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd, _ConvTransposeMixin
from torch.nn.modules.instancenorm import _InstanceNorm
from torch.nn.modules.pooling import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
from torch.utils.data import DataLoader

from .torch_ops import TORCH_VERSION

PoolDataLoader = DataLoader
SyncBatchNorm_ = torch.nn.SyncBatchNorm
_EXTENSION_BUILDERS = ('BuildExtension', 'CppExtension', 'CUDAExtension')

__all__ = [
    'TORCH_VERSION', 'IS_CUDA_AVAILABLE', 'is_cuda_available', 'is_rocm_pytorch',
    'get_build_config',
    '_BatchNorm', '_ConvNd', '_ConvTransposeMixin', '_InstanceNorm', '_AdaptiveAvgPoolNd',
    '_AdaptiveMaxPoolNd', '_AvgPoolNd', '_MaxPoolNd', 'DataLoader', 'PoolDataLoader',
    'SyncBatchNorm', 'SyncBatchNorm_', *_EXTENSION_BUILDERS,
]


class SyncBatchNorm(SyncBatchNorm_):
    """torch's ``SyncBatchNorm`` under the name MMEngine (and mmcv's ``build_norm_layer``) uses."""


def is_cuda_available() -> bool:
    """Whether torch sees a CUDA device."""
    return torch.cuda.is_available()


def is_rocm_pytorch() -> bool:
    """Whether this torch is a ROCm (HIP) build."""
    return getattr(torch.version, 'hip', None) is not None


def get_build_config() -> str:
    """torch's build configuration, as ``torch.__config__.show()`` prints it."""
    return torch.__config__.show()


IS_CUDA_AVAILABLE = is_cuda_available()


def __getattr__(name: str) -> Any:
    if name in _EXTENSION_BUILDERS:
        from torch.utils import cpp_extension

        return getattr(cpp_extension, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
