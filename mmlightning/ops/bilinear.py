"""Bilinear sampling at many points of a feature map, as mmcv's RoI kernels do it.

mmcv's ``bilinear_interpolate`` (and its ``_gradient`` twin): a point more than one pixel outside
the map contributes nothing; otherwise coordinates below 0 are clamped to 0 and a point past the
last row/column is read at that row/column. Points are sampled from the map in channels-last
layout, ``(batch * height * width, channels)``, so that one gather reads every channel.
"""

from __future__ import annotations

import torch
from torch import Tensor

#: Elements gathered from the feature map for one chunk of RoIs (8 MB of float32: larger chunks
#: run slower, out of cache).
ELEMENTS_PER_CHUNK = 1 << 21


def axis_corners(coord: Tensor, limit: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """One axis of mmcv's bilinear interpolation.

    Args:
        coord: Coordinates along the axis, any shape.
        limit: The map's size along the axis.

    Returns:
        ``low`` and ``high`` (long: the neighbouring pixels), ``w_low`` and ``w_high`` (their
        weights) and ``outside`` (bool: more than a pixel off the map, which zeroes the sample).
    """
    outside = (coord < -1.0) | (coord > limit)
    coord = coord.clamp(0, limit)
    low = coord.long()
    last = low >= limit - 1
    low = torch.where(last, limit - 1, low)
    high = torch.where(last, low, low + 1)
    coord = torch.where(last, low.to(coord.dtype), coord)
    w_high = coord - low
    return low, high, 1 - w_high, w_high, outside


def corners(y: Tensor, x: Tensor, height: int, width: int) -> tuple[Tensor, Tensor]:
    """The four neighbouring pixels of each point and their bilinear weights.

    Args:
        y: Row coordinates, any shape.
        x: Column coordinates, the same shape.
        height: The map's height.
        width: The map's width.

    Returns:
        ``index`` (long, ``y.shape + (4,)``: ``row * width + column`` of the corners
        (low, low), (low, high), (high, low), (high, high)) and ``weight`` (the same shape; 0 for
        points outside the map).
    """
    y_low, y_high, hy, ly, y_out = axis_corners(y, height)
    x_low, x_high, hx, lx, x_out = axis_corners(x, width)
    outside = (y_out | x_out)[..., None]
    weight = torch.stack((hy * hx, hy * lx, ly * hx, ly * lx), -1).masked_fill(outside, 0)
    index = torch.stack((y_low * width + x_low, y_low * width + x_high,
                         y_high * width + x_low, y_high * width + x_high), -1)
    return index.masked_fill(outside, 0), weight


def axis_window(coord: Tensor, share: Tensor, limit: int) -> tuple[Tensor, Tensor]:
    """Separable bilinear averaging along one axis, over a window of pixels per RoI.

    Args:
        coord: (R, bins, samples) sample coordinates.
        share: (R, bins, samples) each sample's weight in its bin's average (0 for unused ones).
        limit: The map's size along the axis.

    Returns:
        ``start`` (R,): each RoI's first pixel, and ``matrix`` (R, bins, K): the weight of pixel
        ``start + k`` in each bin (K the widest window of the RoIs).
    """
    low, high, w_low, w_high, outside = axis_corners(coord, limit)
    share = share.masked_fill(outside, 0)
    used = share != 0
    start = torch.where(used, low, limit - 1).flatten(1).amin(1)
    span = int((torch.where(used, high, 0).flatten(1).amax(1) - start).max()) + 1 \
        if coord.numel() else 1
    span = max(span, 1)
    local_low = (low - start[:, None, None]).clamp(0, span - 1).flatten(2)
    local_high = (high - start[:, None, None]).clamp(0, span - 1).flatten(2)
    matrix = share.new_zeros(coord.size(0), coord.size(1), span)
    matrix.scatter_add_(2, local_low, (w_low * share).flatten(2))
    matrix.scatter_add_(2, local_high, (w_high * share).flatten(2))
    return start, matrix


def bin_grid(roi_h: Tensor, roi_w: Tensor, pooled: tuple[int, int], sampling_ratio: int,
             aligned: bool, message: str) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """mmcv's RoI bins: sizes and samples per bin side, per RoI.

    Args:
        roi_h: (R,) RoI heights on the feature map.
        roi_w: (R,) RoI widths.
        pooled: (PH, PW) bins.
        sampling_ratio: Samples per bin side; 0 for ``ceil(roi_size / bins)`` per RoI.
        aligned: Sizes must be non-negative (else, mmcv's legacy mode, at least 1).
        message: mmcv's error message for a RoI of negative size.

    Returns:
        ``roi_h``, ``roi_w`` (after the legacy clamp), ``bin_h``, ``bin_w``, ``grid_h``,
        ``grid_w`` (long).

    Raises:
        RuntimeError: ``aligned`` and a RoI of negative size, with mmcv's message.
    """
    if aligned:
        if bool(((roi_w < 0) | (roi_h < 0)).any()):
            raise RuntimeError(f'{message} (a RoI of negative width or height with '
                               'aligned=True)')
    else:
        roi_w = roi_w.clamp(min=1.0)
        roi_h = roi_h.clamp(min=1.0)
    bin_h = roi_h / pooled[0]
    bin_w = roi_w / pooled[1]
    if sampling_ratio > 0:
        grid_h = torch.full_like(bin_h, sampling_ratio, dtype=torch.long)
        grid_w = torch.full_like(bin_w, sampling_ratio, dtype=torch.long)
    else:
        grid_h = torch.ceil(roi_h / pooled[0]).long()
        grid_w = torch.ceil(roi_w / pooled[1]).long()
    return roi_h, roi_w, bin_h, bin_w, grid_h, grid_w


def bin_samples(start: Tensor, size: Tensor, grid: Tensor, pooled: int, most: int) -> Tensor:
    """Sample coordinates along one axis of each RoI's bins, mmcv's grid.

    Args:
        start: (R,) where each RoI starts along the axis.
        size: (R,) the bin size.
        grid: (R,) samples per bin (long).
        pooled: Bins along the axis.
        most: The largest ``grid``; samples past a RoI's own grid are to be masked.

    Returns:
        (R, pooled, most): ``start + bin * size + (i + 0.5) * size / grid``.
    """
    bins = torch.arange(pooled, device=start.device, dtype=start.dtype)
    steps = torch.arange(most, device=start.device, dtype=start.dtype) + 0.5
    first = start[:, None] + bins[None] * size[:, None]
    within = steps[None] * size[:, None] / grid.clamp(min=1).to(start.dtype)[:, None]
    return first[:, :, None] + within[:, None, :]


def channels_last(features: Tensor) -> Tensor:
    """(B, C, H, W) -> (B * H * W, C), the layout :func:`sample` reads."""
    return features.permute(0, 2, 3, 1).reshape(-1, features.size(1))


def sample(table: Tensor, index: Tensor, weight: Tensor) -> Tensor:
    """Bilinear values at points: ``sum_k weight[..., k] * table[index[..., k]]``.

    Args:
        table: (B * H * W, C) features from :func:`channels_last`.
        index: (..., 4) rows of ``table`` (the batch offset included).
        weight: (..., 4) bilinear weights.

    Returns:
        (..., C) values.
    """
    # index_select: several times faster than advanced indexing for a long list of rows
    values = table.index_select(0, index.reshape(-1)).view(*index.shape, table.size(1))
    return (values * weight[..., None].to(values.dtype)).sum(-2)


def splat(table: Tensor, index: Tensor, weight: Tensor, grad: Tensor) -> None:
    """The adjoint of :func:`sample`: adds ``weight * grad`` onto ``table`` (in place).

    Args:
        table: (B * H * W, C) gradient accumulator.
        index: (..., 4) rows of ``table``.
        weight: (..., 4) bilinear weights.
        grad: (..., C) gradient at the points.
    """
    contribution = grad[..., None, :] * weight[..., None].to(grad.dtype)
    table.index_add_(0, index.reshape(-1), contribution.reshape(-1, table.size(1)))


def rois_per_chunk(elements_per_roi: int) -> int:
    """How many RoIs one chunk holds so that what each gathers (elements) stays within budget."""
    return max(1, ELEMENTS_PER_CHUNK // max(1, elements_per_roi))
