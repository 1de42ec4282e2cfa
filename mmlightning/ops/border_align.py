"""``border_align_*``: mmcv's border align (BorderDet) kernels.

``input`` is ``(N, 4C, H, W)``: channels ``[0, C)`` are read on each box's top border,
``[C, 2C)`` on its left, ``[2C, 3C)`` bottom, ``[3C, 4C)`` right. Each border is sampled at
``pool_size + 1`` evenly spaced points (top and left from ``(x1, y1)``, bottom and right back from
``(x2, y2)``) with RoIAlign's bilinear rule, and max-pooled; ``argmax_idx`` keeps the first
maximal point, through which the backward sends the gradient.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.sampling import roi_align_axis

__all__ = ['border_align_backward', 'border_align_forward']


def _border_points(boxes: Tensor, pool_size: int) -> tuple[Tensor, Tensor]:
    """``(y, x)``, each ``(N, K, 4, pool_size + 1)``: the sample points of the four borders."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    width, height = x2 - x1, y2 - y1
    zero = torch.zeros_like(x1)
    start_x = torch.stack([x1, x1, x2, x2], -1)
    start_y = torch.stack([y1, y1, y2, y2], -1)
    step_x = torch.stack([width, zero, -width, zero], -1) / pool_size
    step_y = torch.stack([zero, height, zero, -height], -1) / pool_size
    steps = torch.arange(pool_size + 1, device=boxes.device, dtype=boxes.dtype)
    return (start_y[..., None] + step_y[..., None] * steps,
            start_x[..., None] + step_x[..., None] * steps)


def _corners(y: Tensor, x: Tensor, height: int, width: int) -> tuple[list[Tensor], list[Tensor]]:
    """Flat pixel indices and weights of the four neighbours of every point."""
    always = torch.ones_like(y, dtype=torch.bool)
    ay = roi_align_axis(y, always, height)
    ax = roi_align_axis(x, always, width)
    valid = (ay.valid & ax.valid).to(y.dtype)
    index = [ay.low * width + ax.low, ay.low * width + ax.high, ay.high * width + ax.low,
             ay.high * width + ax.high]
    weights = [ay.w_low * ax.w_low, ay.w_low * ax.w_high, ay.w_high * ax.w_low,
               ay.w_high * ax.w_high]
    return index, [w * valid for w in weights]


def _by_side(tensor: Tensor, channels: int) -> Tensor:
    """``(N, 4C, H, W)`` -> ``(N, 4, C, H * W)``: the feature read on each border."""
    return tensor.reshape(tensor.shape[0], 4, channels, -1)


def border_align_forward(input: Tensor, boxes: Tensor, output: Tensor, argmax_idx: Tensor,
                         pool_size: int) -> None:
    """Writes the ``(N, C, K, 4)`` border maxima into ``output`` and where into ``argmax_idx``."""
    batch, channels4, height, width = input.shape
    channels, boxes_n = channels4 // 4, boxes.shape[1]
    y, x = _border_points(boxes, pool_size)
    index, weights = _corners(y, x, height, width)
    features = _by_side(input, channels)
    sampled = 0
    for idx, weight in zip(index, weights):
        # (N, K, 4, P) -> (N, 4, 1, K * P): every channel of a side reads the same points
        idx = idx.permute(0, 2, 1, 3).reshape(batch, 4, 1, -1).expand(-1, -1, channels, -1)
        weight = weight.permute(0, 2, 1, 3).reshape(batch, 4, 1, -1)
        sampled = sampled + features.gather(3, idx) * weight
    sampled = sampled.view(batch, 4, channels, boxes_n, pool_size + 1)
    values, where = sampled.max(-1)  # the first maximal point, as mmcv's strict '>'
    output.copy_(values.permute(0, 2, 3, 1))
    argmax_idx.copy_(where.permute(0, 2, 3, 1))


def border_align_backward(grad_output: Tensor, boxes: Tensor, argmax_idx: Tensor,
                          grad_input: Tensor, pool_size: int) -> None:
    """Adds each output's gradient to the neighbours of its maximal point in ``grad_input``."""
    height, width = grad_input.shape[2:]
    channels = grad_input.shape[1] // 4
    y, x = _border_points(boxes, pool_size)  # (N, K, 4, P)
    where = argmax_idx.long().permute(0, 3, 1, 2)  # (N, 4, C, K)
    y = y.permute(0, 2, 1, 3)[:, :, None].expand(-1, -1, channels, -1, -1)
    x = x.permute(0, 2, 1, 3)[:, :, None].expand(-1, -1, channels, -1, -1)
    y = y.gather(4, where[..., None]).squeeze(4)
    x = x.gather(4, where[..., None]).squeeze(4)
    index, weights = _corners(y, x, height, width)
    grad = grad_output.permute(0, 3, 1, 2)  # (N, 4, C, K)
    target = _by_side(grad_input, channels)
    flat = torch.zeros_like(target)
    for idx, weight in zip(index, weights):
        flat.scatter_add_(3, idx, (grad * weight).to(flat.dtype))
    target += flat
