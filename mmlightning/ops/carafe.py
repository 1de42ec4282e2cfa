"""``carafe_*``: mmcv's CARAFE (content-aware reassembly of features) upsampling kernels.

Output pixel ``(H, W)`` of channel ``c`` is the ``kernel_size x kernel_size`` neighbourhood of
input pixel ``(H // s, W // s)`` (zero outside the map) weighted by the mask channels of ``c``'s
group, ``masks[:, (g * k + i) * k + j, H, W]``. The forward is one broadcast multiply-add per
kernel tap; the backward differentiates it with autograd. mmcv's fast ``CARAFEFunction`` hands
scratch tensors (``rfeatures``, ``routput``, ``rmasks``, ...) to its CUDA kernels; here
``rfeatures`` keeps a copy of the features (the backward reads them from it) and the rest are
left as allocated.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['carafe_backward', 'carafe_forward', 'carafe_naive_backward', 'carafe_naive_forward']


def _carafe(features: Tensor, masks: Tensor, kernel_size: int, group_size: int,
            scale_factor: int) -> Tensor:
    """CARAFE of ``features`` (N, C, h, w) with ``masks`` (N, G * k * k, h * s, w * s)."""
    batch, channels, height, width = features.shape
    if masks.shape != (batch, kernel_size * kernel_size * group_size, height * scale_factor,
                       width * scale_factor) or channels % group_size:
        raise ValueError(f'masks of shape {tuple(masks.shape)} do not fit features '
                         f'{tuple(features.shape)} for kernel_size={kernel_size}, '
                         f'group_size={group_size}, scale_factor={scale_factor}')
    radius = (kernel_size - 1) // 2
    padded = F.pad(features, (radius, radius, radius, radius))
    masks = masks.reshape(batch, group_size, 1, kernel_size * kernel_size, height, scale_factor,
                          width, scale_factor)
    out = features.new_zeros(batch, group_size, channels // group_size, height, scale_factor,
                             width, scale_factor)
    for i in range(kernel_size):
        for j in range(kernel_size):
            tap = padded[:, :, i:i + height, j:j + width]
            tap = tap.reshape(batch, group_size, channels // group_size, height, 1, width, 1)
            out = out + tap * masks[:, :, :, i * kernel_size + j]
    return out.reshape(batch, channels, height * scale_factor, width * scale_factor)


def _carafe_grads(top_grad: Tensor, features: Tensor, masks: Tensor, kernel_size: int,
                  group_size: int, scale_factor: int) -> tuple[Tensor, Tensor]:
    """``(d loss / d features, d loss / d masks)`` given ``top_grad``."""
    leaves = (features.detach().requires_grad_(), masks.detach().requires_grad_())
    with torch.enable_grad():
        out = _carafe(*leaves, kernel_size, group_size, scale_factor)
        grads = torch.autograd.grad(out, leaves, top_grad)
    return grads[0], grads[1]


def carafe_naive_forward(features: Tensor, masks: Tensor, output: Tensor, kernel_size: int,
                         group_size: int, scale_factor: int) -> None:
    """Writes the CARAFE upsampling of ``features`` into ``output``."""
    with torch.no_grad():
        output.copy_(_carafe(features, masks, kernel_size, group_size, scale_factor))


def carafe_naive_backward(top_grad: Tensor, features: Tensor, masks: Tensor,
                          bottom_grad: Tensor, mask_grad: Tensor, kernel_size: int,
                          group_size: int, scale_factor: int) -> None:
    """Writes the gradients for the features and the masks into ``bottom_grad``/``mask_grad``."""
    grad_features, grad_masks = _carafe_grads(top_grad, features, masks, kernel_size,
                                              group_size, scale_factor)
    bottom_grad.copy_(grad_features)
    mask_grad.copy_(grad_masks)


def carafe_forward(features: Tensor, masks: Tensor, rfeatures: Tensor, routput: Tensor,
                   rmasks: Tensor, output: Tensor, kernel_size: int, group_size: int,
                   scale_factor: int) -> None:
    """Writes the CARAFE upsampling into ``output`` and keeps the features in ``rfeatures``."""
    del routput, rmasks
    rfeatures.copy_(features)
    carafe_naive_forward(features, masks, output, kernel_size, group_size, scale_factor)


def carafe_backward(top_grad: Tensor, rfeatures: Tensor, masks: Tensor, rtop_grad: Tensor,
                    rbottom_grad_hs: Tensor, rbottom_grad: Tensor, rmask_grad: Tensor,
                    bottom_grad: Tensor, mask_grad: Tensor, kernel_size: int, group_size: int,
                    scale_factor: int) -> None:
    """Writes the gradients into ``bottom_grad``/``mask_grad`` (features read from
    ``rfeatures``, as :func:`carafe_forward` left them)."""
    del rtop_grad, rbottom_grad_hs, rbottom_grad, rmask_grad
    carafe_naive_backward(top_grad, rfeatures, masks, bottom_grad, mask_grad, kernel_size,
                          group_size, scale_factor)
