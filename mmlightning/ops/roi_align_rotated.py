"""``roi_align_rotated_forward`` / ``_backward``: mmcv's RoIAlign for rotated RoIs.

A RoI is ``(batch, x_ctr, y_ctr, w, h, angle)``. Each bin averages ``grid_h x grid_w`` bilinear
samples laid out on the unrotated RoI around its centre, then rotated by ``angle``
(counter-clockwise; ``clockwise`` negates it) and translated to the centre. ``aligned`` shifts the
centre by half a pixel; without it RoIs are at least one pixel wide. ``sampling_ratio`` 0 picks
``ceil(roi_size / output_size)`` samples per RoI.
"""

from __future__ import annotations

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

__all__ = ['roi_align_rotated_backward', 'roi_align_rotated_forward']


def _samples(rois: Tensor, pooled: tuple[int, int], spatial_scale: float, sampling_ratio: int,
             aligned: bool, clockwise: bool) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Sample rows and columns (R, PH, GH, PW, GW), the weight of each (0 if unused), batches."""
    offset = 0.5 if aligned else 0.0
    centre_w = rois[:, 1] * spatial_scale - offset
    centre_h = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale
    roi_h = rois[:, 4] * spatial_scale
    theta = -rois[:, 5] if clockwise else rois[:, 5]
    if aligned:
        if bool(((roi_w < 0) | (roi_h < 0)).any()):
            raise RuntimeError('ROIs in ROIAlignRotated do not have non-negative size! (a RoI '
                               'has w < 0 or h < 0 with aligned=True)')
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
    most_h = max(int(grid_h.max()), 1)
    most_w = max(int(grid_w.max()), 1)
    yy = bin_samples(-roi_h / 2.0, bin_h, grid_h, pooled_h, most_h)[:, :, :, None, None]
    xx = bin_samples(-roi_w / 2.0, bin_w, grid_w, pooled_w, most_w)[:, None, None]
    cos = torch.cos(theta)[:, None, None, None, None]
    sin = torch.sin(theta)[:, None, None, None, None]
    y = yy * cos - xx * sin + centre_h[:, None, None, None, None]
    x = yy * sin + xx * cos + centre_w[:, None, None, None, None]
    valid_y = torch.arange(most_h, device=rois.device)[None] < grid_h[:, None]
    valid_x = torch.arange(most_w, device=rois.device)[None] < grid_w[:, None]
    valid = valid_y[:, None, :, None, None] & valid_x[:, None, None, None, :]
    share = valid / (grid_h * grid_w).clamp(min=1)[:, None, None, None, None]
    return y, x, share.to(rois.dtype), rois[:, 0].long()


def roi_align_rotated_forward(input: Tensor, rois: Tensor, output: Tensor, pooled_height: int,
                              pooled_width: int, spatial_scale: float, sampling_ratio: int,
                              aligned: bool, clockwise: bool) -> None:
    """Fills ``output`` (R, C, PH, PW) with the pooled features of ``input`` (B, C, H, W).

    Args:
        input: (B, C, H, W) features.
        rois: (R, 6) ``(batch_index, x_ctr, y_ctr, w, h, angle)``, angle in radians.
        output: Written in place.
        pooled_height: PH.
        pooled_width: PW.
        spatial_scale: Feature-map size over input-image size.
        sampling_ratio: Samples per bin side; 0 for adaptive.
        aligned: Shift the centre by half a pixel.
        clockwise: The angle is clockwise.
    """
    batch, channels, height, width = input.shape
    if rois.size(0) == 0:
        return
    table = channels_last(input)
    y, x, share, batches = _samples(rois, (pooled_height, pooled_width), spatial_scale,
                                    sampling_ratio, aligned, clockwise)
    step = rois_per_chunk(y[0].numel(), channels)
    for start in range(0, rois.size(0), step):
        part = slice(start, start + step)
        index, weight = corners(y[part], x[part], height, width)
        index = index + (batches[part] * height * width)[:, None, None, None, None, None]
        values = sample(table, index, weight * share[part][..., None]).sum((2, 4))
        output[part] = values.permute(0, 3, 1, 2).to(output.dtype)


def roi_align_rotated_backward(grad_output: Tensor, rois: Tensor, grad_input: Tensor,
                               pooled_height: int, pooled_width: int, spatial_scale: float,
                               sampling_ratio: int, aligned: bool, clockwise: bool) -> None:
    """Adds the gradient of :func:`roi_align_rotated_forward` w.r.t. its input to ``grad_input``.

    Arguments are the forward pass', with ``grad_output`` (R, C, PH, PW) and ``grad_input``
    (B, C, H, W) in place of the output and input.
    """
    batch, channels, height, width = grad_input.shape
    if rois.size(0) == 0:
        return
    accumulator = grad_input.new_zeros(batch * height * width, channels)
    y, x, share, batches = _samples(rois, (pooled_height, pooled_width), spatial_scale,
                                    sampling_ratio, aligned, clockwise)
    step = rois_per_chunk(y[0].numel(), channels)
    for start in range(0, rois.size(0), step):
        part = slice(start, start + step)
        index, weight = corners(y[part], x[part], height, width)
        index = index + (batches[part] * height * width)[:, None, None, None, None, None]
        grad = grad_output[part].permute(0, 2, 3, 1)[:, :, None, :, None]
        splat(accumulator, index, weight * share[part][..., None],
              grad.expand(*y[part].shape, channels))
    grad_input += accumulator.view(batch, height, width, channels).permute(0, 3, 1, 2)
