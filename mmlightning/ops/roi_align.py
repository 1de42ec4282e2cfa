"""``roi_align_forward`` / ``roi_align_backward``: mmcv's RoIAlign, average and max pooling.

Each output bin of a RoI ``(batch, x1, y1, x2, y2)`` averages (``pool_mode`` 1) or takes the
largest of (``pool_mode`` 0) ``grid_h x grid_w`` bilinear samples, placed at the centres of a
regular grid over the bin; ``sampling_ratio`` 0 picks ``ceil(roi_size / output_size)`` per RoI.
``aligned`` shifts the RoI by half a pixel (the pixel model of Detectron2); without it RoIs are at
least one pixel wide (mmcv's legacy behaviour). Max pooling records the sample that won
(``argmax_y``, ``argmax_x``, -1 for none) so that the backward pass routes the gradient there.
RoIs are processed in chunks; every sample of a chunk is one gather.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from mmlightning.ops.bilinear import (
    bin_samples,
    channels_last,
    corners,
    rois_per_chunk,
    sample,
    splat,
)

__all__ = ['roi_align_backward', 'roi_align_forward']


@dataclass
class _Grid:
    """The sample points of a chunk of RoIs: coordinates (R, PH, GH, PW, GW) and which count."""

    y: Tensor
    x: Tensor
    valid: Tensor
    count: Tensor
    batch: Tensor


def _grid(rois: Tensor, pooled: tuple[int, int], spatial_scale: float, sampling_ratio: int,
          aligned: bool) -> _Grid:
    """mmcv's per-RoI geometry and the sample points of every bin."""
    offset = 0.5 if aligned else 0.0
    start_w = rois[:, 1] * spatial_scale - offset
    start_h = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale - offset - start_w
    roi_h = rois[:, 4] * spatial_scale - offset - start_h
    if aligned:
        if bool(((roi_w < 0) | (roi_h < 0)).any()):
            raise RuntimeError('ROIs in ROIAlign cannot have non-negative size! (a RoI has '
                               'x2 < x1 or y2 < y1 with aligned=True)')
    else:
        roi_w = roi_w.clamp(min=1.0)
        roi_h = roi_h.clamp(min=1.0)
    pooled_h, pooled_w = pooled
    bin_h = roi_h / pooled_h
    bin_w = roi_w / pooled_w
    if sampling_ratio > 0:
        grid_h = torch.full_like(bin_h, sampling_ratio, dtype=torch.long)
        grid_w = torch.full_like(bin_w, sampling_ratio, dtype=torch.long)
    else:
        grid_h = torch.ceil(roi_h / pooled_h).long()
        grid_w = torch.ceil(roi_w / pooled_w).long()
    most_h = max(int(grid_h.max()), 1) if rois.numel() else 1
    most_w = max(int(grid_w.max()), 1) if rois.numel() else 1
    y = bin_samples(start_h, bin_h, grid_h, pooled_h, most_h)
    x = bin_samples(start_w, bin_w, grid_w, pooled_w, most_w)
    valid_y = torch.arange(most_h, device=rois.device)[None] < grid_h[:, None]
    valid_x = torch.arange(most_w, device=rois.device)[None] < grid_w[:, None]
    valid = valid_y[:, None, :, None, None] & valid_x[:, None, None, None, :]
    return _Grid(y=y[:, :, :, None, None].expand(-1, -1, -1, pooled_w, most_w),
                 x=x[:, None, None].expand(-1, pooled_h, most_h, -1, -1),
                 valid=valid.expand(-1, pooled_h, -1, pooled_w, -1),
                 count=(grid_h * grid_w).clamp(min=1), batch=rois[:, 0].long())


def _chunks(rois: Tensor, pooled: tuple[int, int], spatial_scale: float, sampling_ratio: int,
            aligned: bool, channels: int):
    """Yields ``(slice, grid)`` over chunks of RoIs of bounded gather size."""
    whole = _grid(rois, pooled, spatial_scale, sampling_ratio, aligned)
    points = whole.y[0].numel() if rois.size(0) else 1
    step = rois_per_chunk(points, channels)
    for start in range(0, rois.size(0), step):
        part = slice(start, start + step)
        yield part, _Grid(whole.y[part], whole.x[part], whole.valid[part], whole.count[part],
                          whole.batch[part])


def roi_align_forward(input: Tensor, rois: Tensor, output: Tensor, argmax_y: Tensor,
                      argmax_x: Tensor, aligned_height: int, aligned_width: int,
                      spatial_scale: float, sampling_ratio: int, pool_mode: int,
                      aligned: bool) -> None:
    """Fills ``output`` (R, C, PH, PW) (and, for max pooling, ``argmax_y`` / ``argmax_x``).

    Args:
        input: (B, C, H, W) features.
        rois: (R, 5) ``(batch_index, x1, y1, x2, y2)`` in input-image coordinates.
        output: The pooled features, written in place.
        argmax_y: Row of the winning sample per output (max pooling; else empty).
        argmax_x: Column of the winning sample per output (max pooling; else empty).
        aligned_height: PH.
        aligned_width: PW.
        spatial_scale: Feature-map size over input-image size.
        sampling_ratio: Samples per bin side; 0 for ``ceil(roi_size / output_size)``.
        pool_mode: 0 max, 1 average.
        aligned: Shift RoIs by half a pixel.
    """
    batch, channels, height, width = input.shape
    table = channels_last(input)
    pooled = (aligned_height, aligned_width)
    for part, grid in _chunks(rois, pooled, spatial_scale, sampling_ratio, aligned, channels):
        index, weight = corners(grid.y, grid.x, height, width)
        index = index + (grid.batch * height * width)[:, None, None, None, None, None]
        if pool_mode == 1:
            weight = weight * (grid.valid[..., None] / grid.count[:, None, None, None, None, None])
            values = sample(table, index, weight).sum((2, 4))
            output[part] = values.permute(0, 3, 1, 2).to(output.dtype)
            continue
        values = sample(table, index, weight)
        values = values.masked_fill(~grid.valid[..., None], float('-inf'))
        rois_, ph, gh, pw, gw, _ = values.shape
        flat = values.permute(0, 1, 3, 5, 2, 4).reshape(rois_, ph, pw, channels, gh * gw)
        best, which = flat.max(-1)
        found = best > -10000.0
        output[part] = torch.where(found, best, -10000.0).permute(0, 3, 1, 2).to(output.dtype)
        ys = grid.y.permute(0, 1, 3, 2, 4).reshape(rois_, ph, pw, gh * gw)
        xs = grid.x.permute(0, 1, 3, 2, 4).reshape(rois_, ph, pw, gh * gw)
        won_y = ys[..., None, :].expand(-1, -1, -1, channels, -1).gather(-1, which[..., None])
        won_x = xs[..., None, :].expand(-1, -1, -1, channels, -1).gather(-1, which[..., None])
        argmax_y[part] = torch.where(found, won_y[..., 0], -1.0).permute(0, 3, 1, 2)
        argmax_x[part] = torch.where(found, won_x[..., 0], -1.0).permute(0, 3, 1, 2)


def roi_align_backward(grad_output: Tensor, rois: Tensor, argmax_y: Tensor, argmax_x: Tensor,
                       grad_input: Tensor, aligned_height: int, aligned_width: int,
                       spatial_scale: float, sampling_ratio: int, pool_mode: int,
                       aligned: bool) -> None:
    """Adds the gradient of :func:`roi_align_forward` w.r.t. its input into ``grad_input``.

    Arguments are those of the forward pass, with ``grad_output`` (R, C, PH, PW) in place of the
    output and ``grad_input`` (B, C, H, W) in place of the input.
    """
    batch, channels, height, width = grad_input.shape
    accumulator = grad_input.new_zeros(batch * height * width, channels)
    if pool_mode == 1:
        pooled = (aligned_height, aligned_width)
        for part, grid in _chunks(rois, pooled, spatial_scale, sampling_ratio, aligned, channels):
            index, weight = corners(grid.y, grid.x, height, width)
            index = index + (grid.batch * height * width)[:, None, None, None, None, None]
            weight = weight * (grid.valid[..., None] / grid.count[:, None, None, None, None, None])
            grad = grad_output[part].permute(0, 2, 3, 1)[:, :, None, :, None]
            splat(accumulator, index, weight, grad.expand(*grid.y.shape, channels))
    else:
        index, weight = corners(argmax_y, argmax_x, height, width)
        weight = weight.masked_fill((argmax_y == -1)[..., None], 0)
        # argmax_* are (R, C, PH, PW): every output reads its own channel.
        offset = rois[:, 0].long() * channels * height * width
        plane = torch.arange(channels, device=rois.device) * height * width
        flat = index + (offset[:, None] + plane[None])[:, :, None, None, None]
        values = (weight * grad_output[..., None].to(weight.dtype)).reshape(-1)
        planar = grad_input.new_zeros(batch * channels * height * width)
        planar.index_add_(0, flat.reshape(-1), values.to(planar.dtype))
        grad_input += planar.view_as(grad_input)
        return
    grad_input += accumulator.view(batch, height, width, channels).permute(0, 3, 1, 2)
