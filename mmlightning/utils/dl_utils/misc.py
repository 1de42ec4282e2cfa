"""Module and tensor helpers (MMEngine's ``dl_utils/misc.py``)."""
from __future__ import annotations

import importlib.util

import numpy as np
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from ..misc import is_tuple_of


def is_norm(layer: nn.Module, exclude: type | tuple[type, ...] | None = None) -> bool:
    """Whether ``layer`` is a normalization layer (batch, instance, group or layer norm).

    Args:
        layer: The layer to check.
        exclude: Norm types not to count.

    Returns:
        True for a normalization layer not in ``exclude``.

    Raises:
        TypeError: If ``exclude`` is not None, a type or a tuple of types.
    """
    if exclude is not None:
        if not isinstance(exclude, tuple):
            exclude = (exclude, )
        if not is_tuple_of(exclude, type):
            raise TypeError('"exclude" must be either None or type or a tuple of types, '
                            f'but got {type(exclude)}: {exclude}')
        if isinstance(layer, exclude):
            return False
    return isinstance(layer, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))


def has_batch_norm(model: nn.Module) -> bool:
    """Whether ``model`` or any of its submodules is a batch norm layer."""
    return any(isinstance(m, _BatchNorm) for m in model.modules())


def tensor2imgs(tensor: torch.Tensor,
                mean: tuple[float, ...] | None = None,
                std: tuple[float, ...] | None = None,
                to_bgr: bool = True) -> list[np.ndarray]:
    """Convert a batch of normalized images back to HWC numpy images.

    Args:
        tensor: Images of shape (N, C, H, W) with C = 3 (RGB) or C = 1.
        mean: Per-channel mean that was subtracted; zeros if None.
        std: Per-channel std the images were divided by; ones if None.
        to_bgr: Convert 3-channel images to BGR (must be False for 1 channel).

    Returns:
        N contiguous arrays of shape (H, W, C).

    Raises:
        ValueError: If the shape, ``mean``/``std`` lengths or ``to_bgr`` do not fit.
    """
    if not torch.is_tensor(tensor) or tensor.ndim != 4:
        raise ValueError(f'tensor must be a 4-D (N, C, H, W) tensor, got {tensor!r:.60}')
    channels = tensor.size(1)
    if channels not in (1, 3):
        raise ValueError(f'tensor must have 1 or 3 channels, got {channels}')
    mean = (0, ) * channels if mean is None else mean
    std = (1, ) * channels if std is None else std
    if not (len(mean) == len(std) == channels) or (channels == 1 and to_bgr):
        raise ValueError(
            f'mean and std need {channels} values (got {len(mean)} and {len(std)}), and '
            'to_bgr must be False for 1-channel images')
    mean_t = tensor.new_tensor(mean).view(1, -1)
    std_t = tensor.new_tensor(std).view(1, -1)
    imgs = (tensor.permute(0, 2, 3, 1) * std_t + mean_t).detach().cpu().numpy()
    if to_bgr and channels == 3:
        imgs = imgs[:, :, :, (2, 1, 0)]
    return [np.ascontiguousarray(img) for img in imgs]


def mmcv_full_available() -> bool:
    """Whether ``mmcv`` is installed with its compiled ops (``mmcv._ext``)."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ImportError:  # mmcv itself is missing
        return False
