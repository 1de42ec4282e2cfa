"""``deform_roi_pool_*``: mmcv's deformable RoI pooling (RoIAlign with per-bin offsets).

Each RoI ``(batch_index, x1, y1, x2, y2)`` is split into ``pooled_height x pooled_width`` bins;
a bin averages a ``sampling_ratio`` (or ``ceil(bin size)``) square grid of RoIAlign bilinear
samples (coordinates clamped into the map, 0 outside ``[-1, H] x [-1, W]``), its start moved by
``gamma * roi size * offset``. The backward is mmcv's: the input gradient spreads each sample's
share over its four neighbours, the offset gradient is mmcv's formula with the unclamped sample
coordinate. Samples are vectorised over RoIs (in chunks that bound memory), bins and the grid.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.sampling import Axis, roi_align_axis

__all__ = ['deform_roi_pool_backward', 'deform_roi_pool_forward']

#: Most gathered values (samples x channels) held at once; RoIs are processed in chunks.
_CHUNK_ELEMENTS = 1 << 24


def _grid(rois: Tensor, offset: Tensor, pooled: tuple[int, int], spatial_scale: float,
          sampling_ratio: int, gamma: float, height: int, width: int):
    """The sampling axes ``(y (R, PH, PW, Gh), x (R, PH, PW, Gw))``, samples per bin, RoI size."""
    pooled_h, pooled_w = pooled
    start = rois[:, 1:3] * spatial_scale - 0.5  # (x, y)
    size = rois[:, 3:5] * spatial_scale - 0.5 - start
    bins = size / size.new_tensor([pooled_w, pooled_h])
    if sampling_ratio > 0:
        grid = torch.full_like(size, sampling_ratio, dtype=torch.long)
    else:
        grid = torch.ceil(bins).long()
    grid_max = max(int(grid.max()) if grid.numel() else 1, 1)
    start_x = start[:, 0, None, None].expand(-1, pooled_h, pooled_w)
    start_y = start[:, 1, None, None].expand(-1, pooled_h, pooled_w)
    if offset.numel():
        start_x = start_x + gamma * size[:, 0, None, None] * offset[:, 0]
        start_y = start_y + gamma * size[:, 1, None, None] * offset[:, 1]
    steps = torch.arange(grid_max, device=rois.device)
    axes = []
    for start_c, bin_c, grid_c, bin_index, limit in (
            (start_y, bins[:, 1], grid[:, 1], torch.arange(pooled_h, device=rois.device)[:, None],
             height),
            (start_x, bins[:, 0], grid[:, 0], torch.arange(pooled_w, device=rois.device)[None],
             width)):
        bin_c = bin_c[:, None, None, None]
        coord = (start_c[..., None] + bin_index[None, ..., None] * bin_c
                 + (steps + 0.5).to(rois.dtype) * bin_c / grid_c.clamp(min=1)[:, None, None, None])
        in_grid = (steps < grid_c[:, None, None, None]).expand_as(coord)
        axes.append(roi_align_axis(coord, in_grid, limit))
    count = (grid[:, 0] * grid[:, 1]).clamp(min=1).to(rois.dtype)
    return axes[0], axes[1], count, size


def _corner_index(rois: Tensor, y: Axis, x: Axis, height: int, width: int):
    """Flat row indices and weights of the four neighbours: ``(R, PH, PW, Gh, Gw)`` each."""
    base = rois[:, 0].long()[:, None, None, None, None] * (height * width)
    y_low, y_high = y.low[..., :, None] * width, y.high[..., :, None] * width
    x_low, x_high = x.low[..., None, :], x.high[..., None, :]
    valid = (y.valid[..., :, None] & x.valid[..., None, :])
    weights = [(y.w_low[..., :, None] * x.w_low[..., None, :]),
               (y.w_low[..., :, None] * x.w_high[..., None, :]),
               (y.w_high[..., :, None] * x.w_low[..., None, :]),
               (y.w_high[..., :, None] * x.w_high[..., None, :])]
    weights = [w * valid.to(w.dtype) for w in weights]
    index = [base + y_low + x_low, base + y_low + x_high, base + y_high + x_low,
             base + y_high + x_high]
    return index, weights, valid


def _chunks(input: Tensor, rois: Tensor, pooled: tuple[int, int], sampling_ratio: int,
            spatial_scale: float) -> list[slice]:
    """RoI slices small enough for :data:`_CHUNK_ELEMENTS` gathered values."""
    if rois.shape[0] == 0:
        return []
    if sampling_ratio > 0:
        grid = sampling_ratio * sampling_ratio
    else:
        size = (rois[:, 3:5] - rois[:, 1:3]) * spatial_scale
        grid = int(torch.ceil(size.max(0).values / size.new_tensor(pooled[::-1])).prod()) + 1
    per_roi = max(grid * pooled[0] * pooled[1] * input.shape[1], 1)
    step = max(1, _CHUNK_ELEMENTS // per_roi)
    return [slice(i, i + step) for i in range(0, rois.shape[0], step)]


def deform_roi_pool_forward(input: Tensor, rois: Tensor, offset: Tensor, output: Tensor,
                            pooled_height: int, pooled_width: int, spatial_scale: float,
                            sampling_ratio: int, gamma: float) -> None:
    """Writes the pooled ``(R, C, pooled_height, pooled_width)`` features into ``output``."""
    _, channels, height, width = input.shape
    pooled = (pooled_height, pooled_width)
    rows = input.permute(0, 2, 3, 1).reshape(-1, channels)
    for part in _chunks(input, rois, pooled, sampling_ratio, spatial_scale):
        off = offset[part] if offset.numel() else offset
        y, x, count, _ = _grid(rois[part], off, pooled, spatial_scale, sampling_ratio, gamma,
                               height, width)
        index, weights, _ = _corner_index(rois[part], y, x, height, width)
        pooled_sum = 0
        for idx, weight in zip(index, weights):
            values = rows.index_select(0, idx.reshape(-1)).view(*idx.shape, channels)
            pooled_sum = pooled_sum + (values * weight[..., None]).sum(dim=(3, 4))
        result = pooled_sum / count[:, None, None, None]
        output[part] = result.permute(0, 3, 1, 2).to(output.dtype)


def deform_roi_pool_backward(grad_output: Tensor, input: Tensor, rois: Tensor, offset: Tensor,
                             grad_input: Tensor, grad_offset: Tensor, pooled_height: int,
                             pooled_width: int, spatial_scale: float, sampling_ratio: int,
                             gamma: float) -> None:
    """Adds the gradients for ``input`` and (with offsets) ``offset`` into the ``grad_*``."""
    _, channels, height, width = input.shape
    pooled = (pooled_height, pooled_width)
    rows = input.permute(0, 2, 3, 1).reshape(-1, channels)
    grad_rows = torch.zeros_like(rows)
    for part in _chunks(input, rois, pooled, sampling_ratio, spatial_scale):
        off = offset[part] if offset.numel() else offset
        y, x, count, size = _grid(rois[part], off, pooled, spatial_scale, sampling_ratio, gamma,
                                  height, width)
        index, weights, valid = _corner_index(rois[part], y, x, height, width)
        share = (grad_output[part].permute(0, 2, 3, 1) / count[:, None, None, None])
        share = share[:, :, :, None, None, :]  # (R, PH, PW, 1, 1, C)
        for idx, weight in zip(index, weights):
            grad_rows.index_add_(0, idx.reshape(-1),
                                 (share * weight[..., None]).reshape(-1, channels))
        if not offset.numel():
            continue
        v00, v10, v01, v11 = (rows.index_select(0, i.reshape(-1)).view(*i.shape, channels)
                              for i in index)
        yy, ylo, yhi = y.raw[..., :, None, None], y.low[..., :, None, None], y.high[..., :, None,
                                                                                     None]
        xx, xlo, xhi = x.raw[..., None, :, None], x.low[..., None, :, None], x.high[..., None, :,
                                                                                     None]
        mask = valid[..., None].to(share.dtype) * share
        d_x = (v11 * (yy - ylo) + v10 * (yhi - yy) + v01 * (ylo - yy) + v00 * (yy - yhi))
        d_y = (v11 * (xx - xlo) + v01 * (xhi - xx) + v10 * (xlo - xx) + v00 * (xx - xhi))
        grad_offset[part, 0] += gamma * size[:, 0, None, None] * (d_x * mask).sum(dim=(3, 4, 5))
        grad_offset[part, 1] += gamma * size[:, 1, None, None] * (d_y * mask).sum(dim=(3, 4, 5))
    grad_input += grad_rows.view(input.shape[0], height, width, channels).permute(0, 3, 1, 2)

