"""``utils.dl_utils.parrots_wrapper``: MMEngine's names for torch's private layer base classes."""
from __future__ import annotations

import torch
from torch import nn

from mmlightning.utils.dl_utils import parrots_wrapper as pw


def test_names_are_torch_classes_isinstance_sees() -> None:
    assert isinstance(nn.BatchNorm2d(2), pw._BatchNorm)
    assert isinstance(nn.SyncBatchNorm(2), pw._BatchNorm)
    assert isinstance(nn.InstanceNorm2d(2), pw._InstanceNorm)
    assert isinstance(nn.Conv2d(1, 1, 1), pw._ConvNd)
    assert isinstance(nn.AdaptiveAvgPool2d(1), pw._AdaptiveAvgPoolNd)
    assert isinstance(nn.AdaptiveMaxPool2d(1), pw._AdaptiveMaxPoolNd)
    assert isinstance(nn.AvgPool2d(2), pw._AvgPoolNd)
    assert isinstance(nn.MaxPool2d(2), pw._MaxPoolNd)
    assert pw.PoolDataLoader is pw.DataLoader is torch.utils.data.DataLoader
    assert pw.SyncBatchNorm_ is nn.SyncBatchNorm and issubclass(pw.SyncBatchNorm, nn.SyncBatchNorm)
    assert not isinstance(nn.BatchNorm2d(2), pw.SyncBatchNorm)


def test_environment_queries() -> None:
    assert pw.TORCH_VERSION == torch.__version__
    assert pw.IS_CUDA_AVAILABLE == pw.is_cuda_available() == torch.cuda.is_available()
    assert pw.is_rocm_pytorch() is (torch.version.hip is not None)
    assert 'PyTorch built with' in pw.get_build_config()


def test_extension_builders_load_on_use() -> None:
    from torch.utils import cpp_extension

    assert pw.CUDAExtension is cpp_extension.CUDAExtension
    assert pw.BuildExtension is cpp_extension.BuildExtension


def test_reference_names_match_mmengine() -> None:
    import pytest
    reference = pytest.importorskip('mmengine.utils.dl_utils.parrots_wrapper')
    for name in ('_BatchNorm', '_ConvNd', '_InstanceNorm', '_AdaptiveAvgPoolNd', '_MaxPoolNd',
                 'DataLoader', 'SyncBatchNorm_'):
        assert getattr(pw, name) is getattr(reference, name), name
