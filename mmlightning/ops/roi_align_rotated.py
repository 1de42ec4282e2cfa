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

from mmlightning.ops import bilinear

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
    pooled_h, pooled_w = pooled
    roi_h, roi_w, bin_h, bin_w, grid_h, grid_w = bilinear.bin_grid(
        roi_h, roi_w, pooled, sampling_ratio, aligned,
        'ROIs in ROIAlignRotated do not have non-negative size!')
    most_h = max(int(grid_h.max()), 1)
    most_w = max(int(grid_w.max()), 1)
    yy = bilinear.bin_samples(-roi_h / 2.0, bin_h, grid_h, pooled_h, most_h)[:, :, :, None, None]
    xx = bilinear.bin_samples(-roi_w / 2.0, bin_w, grid_w, pooled_w, most_w)[:, None, None]
    cos = torch.cos(theta)[:, None, None, None, None]
    sin = torch.sin(theta)[:, None, None, None, None]
    y = yy * cos - xx * sin + centre_h[:, None, None, None, None]
    x = yy * sin + xx * cos + centre_w[:, None, None, None, None]
    valid_y = torch.arange(most_h, device=rois.device)[None] < grid_h[:, None]
    valid_x = torch.arange(most_w, device=rois.device)[None] < grid_w[:, None]
    valid = valid_y[:, None, :, None, None] & valid_x[:, None, None, None, :]
    share = valid / (grid_h * grid_w).clamp(min=1)[:, None, None, None, None]
    return y, x, share.to(rois.dtype), rois[:, 0].long()


def _corner_chunks(rois: Tensor, pooled: tuple[int, int], spatial_scale: float,
                   sampling_ratio: int, aligned: bool, clockwise: bool, shape: torch.Size):
    """Yields, per chunk of RoIs: the slice, corner rows of the channels-last table, their
    weights in the bins' averages, and the chunk's sample shape (R, PH, GH, PW, GW)."""
    height, width = shape[-2:]
    y, x, share, batches = _samples(rois, pooled, spatial_scale, sampling_ratio, aligned,
                                    clockwise)
    step = bilinear.rois_per_chunk(4 * y[0].numel() * shape[1])
    for start in range(0, rois.size(0), step):
        part = slice(start, start + step)
        index, weight = bilinear.corners(y[part], x[part], height, width)
        index = index + (batches[part] * height * width)[:, None, None, None, None, None]
        yield part, index, weight * share[part][..., None], y[part].shape


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
    if rois.size(0) == 0:
        return
    table = bilinear.channels_last(input)
    for part, index, weight, _ in _corner_chunks(rois, (pooled_height, pooled_width), spatial_scale,
                                                 sampling_ratio, aligned, clockwise, input.shape):
        values = bilinear.sample(table, index, weight).sum((2, 4))
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
    for part, index, weight, shape in _corner_chunks(rois, (pooled_height, pooled_width),
                                                     spatial_scale, sampling_ratio, aligned,
                                                     clockwise, grad_input.shape):
        grad = grad_output[part].permute(0, 2, 3, 1)[:, :, None, :, None]
        bilinear.splat(accumulator, index, weight, grad.expand(*shape, channels))
    grad_input += accumulator.view(batch, height, width, channels).permute(0, 3, 1, 2)
