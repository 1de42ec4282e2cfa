"""``roi_pool_forward`` / ``roi_pool_backward``: mmcv's RoIPool (max over integer bins).

A RoI ``(batch, x1, y1, x2, y2)`` spans ``[x1, x2 + 1) * spatial_scale`` (mmcv's inclusive
pixel convention); bin ``(ph, pw)`` covers the pixels from ``floor`` of its start to ``ceil`` of
its end, clipped to the map. Its output is the largest pixel (the first in row-major order on
ties), ``argmax`` that pixel's ``row * width + column``; an empty bin gives 0 and -1. A RoI of
non-positive size is skipped, leaving the wrapper's zeros in place, as mmcv's kernel does.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.bilinear import rois_per_chunk

__all__ = ['roi_pool_backward', 'roi_pool_forward']


def _bins(start: Tensor, size: Tensor, pooled: int, limit: int) -> tuple[Tensor, Tensor]:
    """Integer bin bounds (R, pooled) along one axis, clipped to ``[0, limit]``."""
    steps = torch.arange(pooled, device=start.device, dtype=start.dtype)
    low = torch.floor(steps[None] * size[:, None] + start[:, None])
    high = torch.ceil((steps[None] + 1) * size[:, None] + start[:, None])
    return low.clamp(0, limit).long(), high.clamp(0, limit).long()


def roi_pool_forward(input: Tensor, rois: Tensor, output: Tensor, argmax: Tensor,
                     pooled_height: int, pooled_width: int, spatial_scale: float) -> None:
    """Fills ``output`` (R, C, PH, PW) and ``argmax`` (int, same shape) in place.

    Args:
        input: (B, C, H, W) features.
        rois: (R, 5) ``(batch_index, x1, y1, x2, y2)``.
        output: The pooled features.
        argmax: The flat position in its channel's map of each output's pixel.
        pooled_height: PH.
        pooled_width: PW.
        spatial_scale: Feature-map size over input-image size.
    """
    batch, channels, height, width = input.shape
    if rois.size(0) == 0:
        return
    x1 = rois[:, 1] * spatial_scale
    y1 = rois[:, 2] * spatial_scale
    roi_w = (rois[:, 3] + 1) * spatial_scale - x1
    roi_h = (rois[:, 4] + 1) * spatial_scale - y1
    sized = ((roi_w > 0) & (roi_h > 0)).nonzero()[:, 0]
    if sized.numel() == 0:
        return
    rois, x1, y1 = rois[sized], x1[sized], y1[sized]
    low_y, high_y = _bins(y1, roi_h[sized] / pooled_height, pooled_height, height)
    low_x, high_x = _bins(x1, roi_w[sized] / pooled_width, pooled_width, width)
    span_h = max(int((high_y - low_y).max()), 1)
    span_w = max(int((high_x - low_x).max()), 1)
    rows = low_y[..., None] + torch.arange(span_h, device=rois.device)
    cols = low_x[..., None] + torch.arange(span_w, device=rois.device)
    inside = (rows < high_y[..., None])[:, :, :, None, None] & \
        (cols < high_x[..., None])[:, None, None]
    position = rows.clamp(max=height - 1)[:, :, :, None, None] * width + \
        cols.clamp(max=width - 1)[:, None, None]
    table = input.permute(0, 2, 3, 1).reshape(-1, channels)
    base = rois[:, 0].long() * height * width
    empty = (high_y <= low_y)[:, :, None] | (high_x <= low_x)[:, None, :]
    lowest = torch.finfo(torch.float32).min
    step = rois_per_chunk(position[0].numel() * channels)
    for start in range(0, sized.numel(), step):
        part = slice(start, start + step)
        rows = (position[part] + base[part, None, None, None, None]).reshape(-1)
        values = table.index_select(0, rows)
        values = values.view(*position[part].shape, channels)
        values = values.masked_fill(~inside[part][..., None], float('-inf'))
        count, ph, kh, pw, kw, _ = values.shape
        flat = values.permute(0, 1, 3, 5, 2, 4).reshape(count, ph, pw, channels, kh * kw)
        best, which = flat.max(-1)
        found = best > lowest
        best = torch.where(found, best, lowest)
        best = torch.where(empty[part][..., None], 0.0, best)
        where = position[part].permute(0, 1, 3, 2, 4).reshape(count, ph, pw, kh * kw)
        won = where[..., None, :].expand(-1, -1, -1, channels, -1).gather(-1, which[..., None])
        won = torch.where(found & ~empty[part][..., None], won[..., 0], -1)
        output[sized[part]] = best.permute(0, 3, 1, 2).to(output.dtype)
        argmax[sized[part]] = won.permute(0, 3, 1, 2).to(argmax.dtype)


def roi_pool_backward(grad_output: Tensor, rois: Tensor, argmax: Tensor, grad_input: Tensor,
                      pooled_height: int, pooled_width: int, spatial_scale: float) -> None:
    """Adds each output's gradient onto the pixel ``argmax`` names (none for -1).

    Args:
        grad_output: (R, C, PH, PW) gradient of the output.
        rois: (R, 5) the forward pass' RoIs.
        argmax: (R, C, PH, PW) from :func:`roi_pool_forward`.
        grad_input: (B, C, H, W), added to in place.
        pooled_height: PH.
        pooled_width: PW.
        spatial_scale: Unused (the pixels are in ``argmax``); kept for mmcv's signature.
    """
    batch, channels, height, width = grad_input.shape
    if rois.size(0) == 0:
        return
    plane = (rois[:, 0].long()[:, None] * channels +
             torch.arange(channels, device=rois.device)[None]) * height * width
    target = argmax.long() + plane[:, :, None, None]
    used = argmax != -1
    flat = grad_input.new_zeros(batch * channels * height * width)
    flat.index_add_(0, target[used], grad_output[used].to(flat.dtype))
    grad_input += flat.view_as(grad_input)
