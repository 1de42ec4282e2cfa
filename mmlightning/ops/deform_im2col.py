"""Deformable convolution in torch: mmcv's ``deformable_im2col`` followed by a grouped matmul.

Shared by the ``deform_conv`` and ``modulated_deform_conv`` kernel families. Offsets follow
mmcv's layout ``(N, deform_groups * kh * kw * 2, Ho, Wo)`` with ``(dy, dx)`` pairs per kernel
tap (taps in row-major order); masks ``(N, deform_groups * kh * kw, Ho, Wo)``. Input channel
``c`` belongs to deformable group ``c // (C // deform_groups)`` and convolution group
``c // (C // groups)``. Everything is differentiable by autograd, which the backward kernels use.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.sampling import bilinear_sample

Pair = tuple[int, int]


def output_size(input: Tensor, kernel: Pair, stride: Pair, padding: Pair,
                dilation: Pair) -> Pair:
    """The ``(Ho, Wo)`` of a convolution of ``input`` (N, C, H, W), as mmcv computes it."""
    sizes = []
    for d in range(2):
        span = dilation[d] * (kernel[d] - 1) + 1
        sizes.append((input.shape[2 + d] + 2 * padding[d] - span) // stride[d] + 1)
    return sizes[0], sizes[1]


def check_shapes(input: Tensor, offset: Tensor, mask: Tensor | None, weight: Tensor,
                 stride: Pair, padding: Pair, dilation: Pair, groups: int,
                 deform_groups: int) -> Pair:
    """Raises ``ValueError`` (naming the tensor and both sizes) where mmcv's shape check fails.

    Returns:
        The output's ``(Ho, Wo)``.
    """
    kernel = (weight.shape[2], weight.shape[3])
    channels = input.shape[1]
    if channels % groups or weight.shape[0] % groups:
        raise ValueError(f'input channels {channels} and output channels {weight.shape[0]} '
                         f'must be divisible by group={groups}')
    if channels % deform_groups:
        raise ValueError(f'input channels {channels} must be divisible by '
                         f'deformable_group={deform_groups}')
    if weight.shape[1] * groups != channels:
        raise ValueError(f'invalid number of input planes, expected: {weight.shape[1] * groups}, '
                         f'but got: {channels} (weight {tuple(weight.shape)}, group={groups})')
    out_h, out_w = output_size(input, kernel, stride, padding, dilation)
    if out_h < 1 or out_w < 1:
        raise ValueError(f'Given input size {tuple(input.shape)}, calculated output size '
                         f'({out_h}, {out_w}) is too small')
    taps = kernel[0] * kernel[1] * deform_groups
    if tuple(offset.shape) != (input.shape[0], 2 * taps, out_h, out_w):
        raise ValueError(f'invalid offset shape {tuple(offset.shape)}, expected '
                         f'{(input.shape[0], 2 * taps, out_h, out_w)}: deformable_group * 2 * '
                         'kernel_h * kernel_w channels at the output size')
    if mask is not None and tuple(mask.shape) != (input.shape[0], taps, out_h, out_w):
        raise ValueError(f'invalid mask shape {tuple(mask.shape)}, expected '
                         f'{(input.shape[0], taps, out_h, out_w)}')
    return out_h, out_w


def _tap_grid(out: int, kernel: int, stride: int, padding: int, dilation: int,
              like: Tensor) -> Tensor:
    """``(kernel, out)``: the undeformed input coordinate of each tap at each output position."""
    positions = torch.arange(out, device=like.device, dtype=like.dtype) * stride - padding
    taps = torch.arange(kernel, device=like.device, dtype=like.dtype) * dilation
    return taps[:, None] + positions[None, :]


def deform_columns(input: Tensor, offset: Tensor, mask: Tensor | None, kernel: Pair,
                   stride: Pair, padding: Pair, dilation: Pair, deform_groups: int) -> Tensor:
    """mmcv's ``deformable_im2col`` (times the mask, when given).

    Returns:
        ``(N, C, kh * kw, Ho * Wo)``: the input read at every deformed tap of every output pixel.
    """
    batch, channels, height, width = input.shape
    out_h, out_w = offset.shape[2], offset.shape[3]
    kh, kw = kernel
    taps = kh * kw
    per_group = channels // deform_groups
    rows = input.reshape(batch, deform_groups, per_group, height * width).transpose(2, 3)
    rows = rows.reshape(batch * deform_groups, height * width, per_group)
    grid_y = _tap_grid(out_h, kh, stride[0], padding[0], dilation[0], offset)
    grid_x = _tap_grid(out_w, kw, stride[1], padding[1], dilation[1], offset)
    grid_y = grid_y[:, None, :, None].expand(kh, kw, out_h, out_w).reshape(taps, out_h, out_w)
    grid_x = grid_x[None, :, None, :].expand(kh, kw, out_h, out_w).reshape(taps, out_h, out_w)
    offset = offset.reshape(batch, deform_groups, taps, 2, out_h, out_w)
    y = (offset[:, :, :, 0] + grid_y).reshape(batch * deform_groups, -1)
    x = (offset[:, :, :, 1] + grid_x).reshape(batch * deform_groups, -1)
    scale = None if mask is None else mask.reshape(batch * deform_groups, -1)
    sampled = bilinear_sample(rows, height, width, y, x, scale)
    sampled = sampled.view(batch, deform_groups, taps, out_h * out_w, per_group)
    return sampled.permute(0, 1, 4, 2, 3).reshape(batch, channels, taps, out_h * out_w)


def deform_conv(input: Tensor, offset: Tensor, mask: Tensor | None, weight: Tensor,
                bias: Tensor | None, stride: Pair, padding: Pair, dilation: Pair, groups: int,
                deform_groups: int) -> Tensor:
    """The (modulated) deformable convolution: ``(N, C_out, Ho, Wo)``."""
    kernel = (weight.shape[2], weight.shape[3])
    columns = deform_columns(input, offset, mask, kernel, stride, padding, dilation,
                             deform_groups)
    batch = input.shape[0]
    out_channels = weight.shape[0]
    columns = columns.reshape(batch, groups, -1, columns.shape[-1])
    out = torch.matmul(weight.reshape(groups, out_channels // groups, -1), columns)
    out = out.reshape(batch, out_channels, offset.shape[2], offset.shape[3])
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out


def weight_grad(input: Tensor, offset: Tensor, mask: Tensor | None, grad_output: Tensor,
                kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, groups: int,
                deform_groups: int) -> Tensor:
    """``d loss / d weight`` given ``grad_output``: ``(C_out, C / groups, kh, kw)``."""
    columns = deform_columns(input, offset, mask, kernel, stride, padding, dilation,
                             deform_groups)
    batch, out_channels = grad_output.shape[:2]
    columns = columns.reshape(batch, groups, -1, columns.shape[-1])
    grad = grad_output.reshape(batch, groups, out_channels // groups, -1)
    weight = torch.einsum('ngol,ngkl->gok', grad, columns)
    return weight.reshape(out_channels, -1, kernel[0], kernel[1])


def batch_chunks(batch: int, step: int) -> list[slice]:
    """Slices of ``step`` samples (mmcv's ``im2col_step``) covering a batch of ``batch``."""
    step = max(1, min(step, batch))
    return [slice(start, start + step) for start in range(0, batch, step)]
