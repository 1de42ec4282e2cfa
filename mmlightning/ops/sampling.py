"""Bilinear sampling of feature maps at fractional points, as mmcv's kernels do it.

mmcv's deformable convolutions read a feature map at a
fractional point ``(y, x)`` by weighting its four integer neighbours; a point outside
``(-1, H) x (-1, W)`` reads 0 and neighbours outside the map count as 0. The sampler here is
built from ``floor``, ``index_select`` and arithmetic only, so autograd differentiates it with
respect to the features and the coordinates exactly as mmcv's hand-written backward kernels do
(``floor`` is held constant: a point on an integer line takes the gradient of the cell that
starts at it). ``F.grid_sample`` computes the same away from integer coordinates, but its
normalise/unnormalise round trip moves integer points (all of them with zero offsets, DCN's
initialisation) by one ulp to either side, which changes their coordinate gradients.

mmcv's RoI kernels (RoIAlign, deformable RoI pooling, border align) use another rule,
:func:`roi_align_axis`: coordinates are clamped into the map instead of reading zeros.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


def bilinear_sample(rows: Tensor, height: int, width: int, y: Tensor, x: Tensor,
                    scale: Tensor | None = None) -> Tensor:
    """Samples ``B`` feature maps stored as rows at ``P`` fractional points each.

    Args:
        rows: ``(B, height * width, C)``; pixel ``(i, j)`` of map ``b`` is
            ``rows[b, i * width + j]``.
        height: Height of each map.
        width: Width of each map.
        y: ``(B, P)`` row coordinates (pixel centres at integers).
        x: ``(B, P)`` column coordinates.
        scale: Optional ``(B, P)`` factors the samples are multiplied by (DCNv2's masks).

    Returns:
        ``(B, P, C)``: the bilinearly interpolated features, 0 outside ``(-1, H) x (-1, W)``.
    """
    batch, pixels, channels = rows.shape
    num_points = y.shape[1]
    inside = (y > -1) & (x > -1) & (y < height) & (x < width)
    y0 = torch.floor(y)
    x0 = torch.floor(x)
    ly = y - y0
    lx = x - x0
    hy = 1 - ly
    hx = 1 - lx
    y0 = y0.long()
    x0 = x0.long()
    flat = rows.reshape(batch * pixels, channels)
    base = (torch.arange(batch, device=rows.device) * pixels)[:, None]
    out = rows.new_zeros(batch, num_points, channels)
    corners = ((0, 0, hy * hx), (0, 1, hy * lx), (1, 0, ly * hx), (1, 1, ly * lx))
    for dy, dx, weight in corners:
        yy = y0 + dy
        xx = x0 + dx
        valid = inside & (yy >= 0) & (yy < height) & (xx >= 0) & (xx < width)
        index = base + yy.clamp(0, height - 1) * width + xx.clamp(0, width - 1)
        values = flat.index_select(0, index.reshape(-1)).view(batch, num_points, channels)
        weight = weight * valid.to(weight.dtype)
        if scale is not None:
            weight = weight * scale
        out = torch.addcmul(out, values, weight[..., None])
    return out


class Axis(NamedTuple):
    """RoIAlign's bilinear sampling along one axis: neighbours, weights, validity."""

    raw: Tensor  # the sample coordinate before clamping (mmcv's offset gradient reads it)
    low: Tensor
    high: Tensor
    w_low: Tensor
    w_high: Tensor
    valid: Tensor  # inside [-1, size] and in the caller's sampling grid


def roi_align_axis(coord: Tensor, in_grid: Tensor, size: int) -> Axis:
    """mmcv's RoIAlign bilinear rule along one axis of length ``size``.

    A coordinate outside ``[-1, size]`` (or not ``in_grid``) is invalid; otherwise it is clamped
    to ``[0, size - 1]`` and read from its two neighbours (both the last pixel at the end).
    """
    inside = (coord >= -1) & (coord <= size) & in_grid
    clamped = coord.clamp(min=0)
    low = clamped.floor().long()
    at_end = low >= size - 1
    low = torch.where(at_end, torch.full_like(low, size - 1), low)
    high = torch.where(at_end, low, low + 1)
    clamped = torch.where(at_end, low.to(coord.dtype), clamped)
    frac = clamped - low
    return Axis(coord, low, high, 1 - frac, frac, inside)
