"""``roi_align_forward`` / ``roi_align_backward``: mmcv's RoIAlign, average and max pooling.

Each output bin of a RoI ``(batch, x1, y1, x2, y2)`` averages (``pool_mode`` 1) or takes the
largest of (``pool_mode`` 0) ``grid_h x grid_w`` bilinear samples, placed at the centres of a
regular grid over the bin; ``sampling_ratio`` 0 picks ``ceil(roi_size / output_size)`` per RoI.
``aligned`` shifts the RoI by half a pixel (the pixel model of Detectron2); without it RoIs are at
least one pixel wide (mmcv's legacy behaviour). Max pooling records the sample that won
(``argmax_y``, ``argmax_x``, -1 for none) so that the backward pass routes the gradient there.
RoIs are processed in chunks. Average pooling is separable (bilinear weights are products of a row
and a column weight): each RoI's window of pixels is gathered once and pooled by two small matrix
products. Max pooling gathers the four corners of every sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from mmlightning.ops.bilinear import (
    axis_window,
    bin_grid,
    bin_samples,
    channels_last,
    corners,
    rois_per_chunk,
    sample,
    splat,
)

__all__ = ['roi_align_backward', 'roi_align_forward']


@dataclass
class _Axes:
    """Sample coordinates of RoIs along each axis: rows (R, PH, GH), columns (R, PW, GW)."""

    y: Tensor
    x: Tensor
    grid_h: Tensor
    grid_w: Tensor
    batch: Tensor

    def part(self, rows: slice) -> _Axes:
        return _Axes(self.y[rows], self.x[rows], self.grid_h[rows], self.grid_w[rows],
                     self.batch[rows])

    def share(self, coord: Tensor, grid: Tensor) -> Tensor:
        """Each sample's weight in its bin's average along one axis (0 past the RoI's grid)."""
        steps = torch.arange(coord.size(2), device=coord.device)[None, None]
        used = (steps < grid[:, None, None]).to(coord.dtype)
        return (used / grid.clamp(min=1)[:, None, None].to(coord.dtype)).expand_as(coord)

    def samples(self) -> int:
        """Sample points per RoI (PH * GH * PW * GW)."""
        return self.y[0].numel() * self.x[0].numel()

    def window(self, height: int, width: int) -> int:
        """An upper bound of the pixels (KY * KX) of the largest RoI's window."""
        if self.batch.numel() == 0:
            return 1

        def span(coord: Tensor, limit: int) -> int:
            low = coord.flatten(1).amin(1).floor().clamp(0, limit - 1)
            high = coord.flatten(1).amax(1).floor().clamp(0, limit - 1) + 1
            return int((high.clamp(max=limit - 1) - low).max()) + 2

        return span(self.y, height) * span(self.x, width)

    def points(self) -> tuple[Tensor, Tensor, Tensor]:
        """Every sample point (R, PH, GH, PW, GW): rows, columns and whether it is used."""
        rois, ph, gh = self.y.shape
        pw, gw = self.x.shape[1:]
        y = self.y[:, :, :, None, None].expand(-1, -1, -1, pw, gw)
        x = self.x[:, None, None].expand(-1, ph, gh, -1, -1)
        steps_h = torch.arange(gh, device=y.device)[None] < self.grid_h[:, None]
        steps_w = torch.arange(gw, device=y.device)[None] < self.grid_w[:, None]
        used = steps_h[:, None, :, None, None] & steps_w[:, None, None, None, :]
        return y, x, used.expand(-1, ph, -1, pw, -1)


def _axes(rois: Tensor, pooled: tuple[int, int], spatial_scale: float, sampling_ratio: int,
          aligned: bool) -> _Axes:
    """mmcv's per-RoI geometry and the sample coordinates of every bin."""
    offset = 0.5 if aligned else 0.0
    start_w = rois[:, 1] * spatial_scale - offset
    start_h = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale - offset - start_w
    roi_h = rois[:, 4] * spatial_scale - offset - start_h
    pooled_h, pooled_w = pooled
    roi_h, roi_w, bin_h, bin_w, grid_h, grid_w = bin_grid(
        roi_h, roi_w, pooled, sampling_ratio, aligned,
        'ROIs in ROIAlign cannot have non-negative size!')
    most_h = max(int(grid_h.max()), 1) if rois.numel() else 1
    most_w = max(int(grid_w.max()), 1) if rois.numel() else 1
    return _Axes(y=bin_samples(start_h, bin_h, grid_h, pooled_h, most_h),
                 x=bin_samples(start_w, bin_w, grid_w, pooled_w, most_w),
                 grid_h=grid_h, grid_w=grid_w, batch=rois[:, 0].long())


@dataclass
class _Windows:
    """Separable averaging of a chunk of RoIs: pixel rows of each window, and the weights."""

    index: Tensor  # (R, KY, KX): rows of the channels-last table
    rows: Tensor  # (R, PH, KY)
    cols: Tensor  # (R, PW, KX)


def _windows(axes: _Axes, height: int, width: int) -> _Windows:
    """Average pooling is separable: ``out = rows @ window @ cols.T`` per RoI and channel."""
    top, rows = axis_window(axes.y, axes.share(axes.y, axes.grid_h), height)
    left, cols = axis_window(axes.x, axes.share(axes.x, axes.grid_w), width)
    ys = (top[:, None] + torch.arange(rows.size(2), device=top.device)).clamp(max=height - 1)
    xs = (left[:, None] + torch.arange(cols.size(2), device=top.device)).clamp(max=width - 1)
    index = (axes.batch * height * width)[:, None, None] + ys[:, :, None] * width + xs[:, None]
    return _Windows(index, rows, cols)


def _chunks(axes: _Axes, elements_per_roi: int):
    """Slices of RoIs whose gathered elements stay within budget."""
    step = rois_per_chunk(elements_per_roi)
    for start in range(0, axes.batch.numel(), step):
        yield slice(start, start + step)


def _by_windows(axes: _Axes, height: int, width: int) -> bool:
    """Whether to average by pixel windows (else by the four corners of every sample).

    A window covers the RoI's pixels; with a fixed ``sampling_ratio`` a large RoI has far fewer
    samples than pixels, and gathering the samples' corners is then the smaller read.
    """
    return axes.window(height, width) <= 4 * axes.samples()


def _corner_weights(axes: _Axes, height: int, width: int) -> tuple[Tensor, Tensor]:
    """Corner rows of the channels-last table and weights of every sample in its bin's mean."""
    y, x, used = axes.points()
    index, weight = corners(y, x, height, width)
    index = index + (axes.batch * height * width)[:, None, None, None, None, None]
    count = (axes.grid_h * axes.grid_w).clamp(min=1).to(weight.dtype)
    return index, weight * (used / count[:, None, None, None, None])[..., None]


def _average(table: Tensor, axes: _Axes, height: int, width: int, output: Tensor) -> None:
    if _by_windows(axes, height, width):
        _average_by_windows(table, axes, height, width, output)
    else:
        _average_by_corners(table, axes, height, width, output)


def _average_by_corners(table: Tensor, axes: _Axes, height: int, width: int,
                        output: Tensor) -> None:
    for part in _chunks(axes, 4 * axes.samples() * table.size(1)):
        index, weight = _corner_weights(axes.part(part), height, width)
        output[part] = sample(table, index, weight).sum((2, 4)).permute(0, 3, 1, 2)


def _average_by_windows(table: Tensor, axes: _Axes, height: int, width: int,
                        output: Tensor) -> None:
    channels = table.size(1)
    for part in _chunks(axes, axes.window(height, width) * channels):
        windows = _windows(axes.part(part), height, width)
        rois, ky, kx = windows.index.shape
        pixels = table.index_select(0, windows.index.reshape(-1)).view(rois, ky, kx * channels)
        by_rows = torch.bmm(windows.rows.to(pixels.dtype), pixels).view(rois, -1, kx, channels)
        pooled = torch.einsum('nqx,npxc->ncpq', windows.cols.to(pixels.dtype), by_rows)
        output[part] = pooled.to(output.dtype)


def _average_backward(grad_output: Tensor, axes: _Axes, height: int, width: int,
                      accumulator: Tensor) -> None:
    channels = accumulator.size(1)
    if not _by_windows(axes, height, width):
        for part in _chunks(axes, 4 * axes.samples() * channels):
            chunk = axes.part(part)
            index, weight = _corner_weights(chunk, height, width)
            grad = grad_output[part].permute(0, 2, 3, 1)[:, :, None, :, None]
            splat(accumulator, index, weight, grad.expand(*index.shape[:-1], channels))
        return
    for part in _chunks(axes, axes.window(height, width) * channels):
        windows = _windows(axes.part(part), height, width)
        grad = grad_output[part].to(accumulator.dtype)
        by_cols = torch.einsum('nqx,ncpq->npxc', windows.cols.to(grad.dtype), grad)
        rois, ph, kx, _ = by_cols.shape
        pixels = torch.bmm(windows.rows.transpose(1, 2).to(grad.dtype),
                           by_cols.reshape(rois, ph, kx * channels))
        accumulator.index_add_(0, windows.index.reshape(-1), pixels.reshape(-1, channels))


def _maximum(table: Tensor, axes: _Axes, height: int, width: int, output: Tensor,
             argmax_y: Tensor, argmax_x: Tensor) -> None:
    channels = table.size(1)
    for part in _chunks(axes, 4 * axes.samples() * channels):
        chunk = axes.part(part)
        y, x, used = chunk.points()
        index, weight = corners(y, x, height, width)
        index = index + (chunk.batch * height * width)[:, None, None, None, None, None]
        values = sample(table, index, weight).masked_fill(~used[..., None], float('-inf'))
        rois, ph, gh, pw, gw, _ = values.shape
        flat = values.permute(0, 1, 3, 5, 2, 4).reshape(rois, ph, pw, channels, gh * gw)
        best, which = flat.max(-1)
        found = best > -10000.0
        output[part] = torch.where(found, best, -10000.0).permute(0, 3, 1, 2).to(output.dtype)
        for coord, target in ((y, argmax_y), (x, argmax_x)):
            flat_coord = coord.permute(0, 1, 3, 2, 4).reshape(rois, ph, pw, 1, gh * gw)
            won = flat_coord.expand(-1, -1, -1, channels, -1).gather(-1, which[..., None])
            target[part] = torch.where(found, won[..., 0], -1.0).permute(0, 3, 1, 2)


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
    height, width = input.shape[-2:]
    if rois.size(0) == 0:
        return
    axes = _axes(rois, (aligned_height, aligned_width), spatial_scale, sampling_ratio, aligned)
    table = channels_last(input)
    if pool_mode == 1:
        _average(table, axes, height, width, output)
    else:
        _maximum(table, axes, height, width, output, argmax_y, argmax_x)


def roi_align_backward(grad_output: Tensor, rois: Tensor, argmax_y: Tensor, argmax_x: Tensor,
                       grad_input: Tensor, aligned_height: int, aligned_width: int,
                       spatial_scale: float, sampling_ratio: int, pool_mode: int,
                       aligned: bool) -> None:
    """Adds the gradient of :func:`roi_align_forward` w.r.t. its input into ``grad_input``.

    Arguments are those of the forward pass, with ``grad_output`` (R, C, PH, PW) in place of the
    output and ``grad_input`` (B, C, H, W) in place of the input.
    """
    batch, channels, height, width = grad_input.shape
    if rois.size(0) == 0:
        return
    if pool_mode == 1:
        axes = _axes(rois, (aligned_height, aligned_width), spatial_scale, sampling_ratio,
                     aligned)
        accumulator = grad_input.new_zeros(batch * height * width, channels)
        _average_backward(grad_output, axes, height, width, accumulator)
        grad_input += accumulator.view(batch, height, width, channels).permute(0, 3, 1, 2)
        return
    # max pooling: each output's gradient goes to the four pixels around its winning sample
    index, weight = corners(argmax_y, argmax_x, height, width)
    weight = weight.masked_fill((argmax_y == -1)[..., None], 0)
    plane = (rois[:, 0].long()[:, None] * channels +
             torch.arange(channels, device=rois.device)[None]) * height * width
    flat = index + plane[:, :, None, None, None]
    values = weight * grad_output[..., None].to(weight.dtype)
    planar = grad_input.new_zeros(batch * channels * height * width)
    planar.index_add_(0, flat.reshape(-1), values.reshape(-1).to(planar.dtype))
    grad_input += planar.view_as(grad_input)
