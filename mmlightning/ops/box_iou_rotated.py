"""``box_iou_rotated``: IoU / IoF of rotated boxes ``(x_ctr, y_ctr, w, h, angle)``.

mmcv's ``single_box_iou_rotated``, for many pairs at once: the intersection of two rectangles is
the convex polygon whose vertices are the edge-edge crossings and the corners of each rectangle
inside the other (at most 24 candidates, duplicates included). Sorted by angle around their
centroid, those points give the polygon's area by the shoelace formula (mmcv orders them by a
Graham scan; the area is the same). As in mmcv, both boxes are first shifted by the midpoint of
their centres, for precision.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['box_iou_rotated']

#: Box pairs computed at once (bounds the memory of the 24 candidate points per pair).
PAIRS_PER_CHUNK = 1 << 15


def _corners(boxes: Tensor) -> tuple[Tensor, Tensor]:
    """Corner coordinates, x (P, 4) and y (P, 4), in mmcv's ``get_rotated_vertices`` order."""
    x, y, w, h, angle = boxes.t()
    cos2 = torch.cos(angle) * 0.5
    sin2 = torch.sin(angle) * 0.5
    x0 = x - sin2 * h - cos2 * w
    y0 = y + cos2 * h - sin2 * w
    x1 = x + sin2 * h - cos2 * w
    y1 = y - cos2 * h - sin2 * w
    return (torch.stack((x0, x1, 2 * x - x0, 2 * x - x1), 1),
            torch.stack((y0, y1, 2 * y - y0, 2 * y - y1), 1))


def _inside(px: Tensor, py: Tensor, rx: Tensor, ry: Tensor) -> Tensor:
    """Whether each point (P, 4) lies in the rectangle with corners ``rx``, ``ry`` (P, 4)."""
    abx, aby = rx[:, 1:2] - rx[:, :1], ry[:, 1:2] - ry[:, :1]
    dax, day = rx[:, :1] - rx[:, 3:], ry[:, :1] - ry[:, 3:]
    apx, apy = px - rx[:, :1], py - ry[:, :1]
    along_ab = apx * abx + apy * aby
    along_ad = -(apx * dax + apy * day)
    return (along_ab >= 0) & (along_ad >= 0) & (along_ab <= abx * abx + aby * aby) & \
        (along_ad <= dax * dax + day * day)


def _intersection_area(first: tuple[Tensor, Tensor], second: tuple[Tensor, Tensor]) -> Tensor:
    """Area of the intersection of the rectangles with corners ``first``, ``second``.

    Each is a pair of (P, 4) tensors (x and y); coordinates stay in separate contiguous tensors,
    which torch broadcasts far faster than a last axis of 2.
    """
    x1, y1 = first
    x2, y2 = second
    # edge i of rectangle 1 against edge j of rectangle 2, at column 4 * i + j of (P, 16)
    # tensors of the same shape (torch is far slower broadcasting (P, 4, 1) against (P, 1, 4))
    e1x = (x1.roll(-1, 1) - x1).repeat_interleave(4, 1)
    e1y = (y1.roll(-1, 1) - y1).repeat_interleave(4, 1)
    e2x = (x2.roll(-1, 1) - x2).repeat(1, 4)
    e2y = (y2.roll(-1, 1) - y2).repeat(1, 4)
    s1x, s1y = x1.repeat_interleave(4, 1), y1.repeat_interleave(4, 1)
    det = e2x * e1y - e2y * e1x
    parallel = det.abs() <= 1e-14
    det = det.masked_fill(parallel, 1.0)
    ox, oy = x2.repeat(1, 4) - s1x, y2.repeat(1, 4) - s1y
    t1 = (e2x * oy - e2y * ox) / det
    t2 = (e1x * oy - e1y * ox) / det
    crossing = ~parallel & (t1 >= 0) & (t1 <= 1) & (t2 >= 0) & (t2 <= 1)
    px = torch.cat((s1x + e1x * t1, x1, x2), 1)
    py = torch.cat((s1y + e1y * t1, y1, y2), 1)
    valid = torch.cat((crossing, _inside(x1, y1, x2, y2), _inside(x2, y2, x1, y1)), 1)
    number = valid.sum(1)
    weights = valid.to(px.dtype)
    count = number.clamp(min=1).to(px.dtype)[:, None]
    px = px - (px * weights).sum(1, keepdim=True) / count
    py = py - (py * weights).sum(1, keepdim=True) / count
    angle = torch.atan2(py, px).masked_fill(~valid, 10.0)
    order = angle.argsort(1)
    ordered_valid = valid.gather(1, order)
    sx, sy = px.gather(1, order), py.gather(1, order)
    # unused slots repeat the first point: they add nothing to the shoelace sum
    sx = torch.where(ordered_valid, sx, sx[:, :1])
    sy = torch.where(ordered_valid, sy, sy[:, :1])
    area = (sx * sy.roll(-1, 1) - sx.roll(-1, 1) * sy).sum(1).abs() * 0.5
    return torch.where(number > 2, area, torch.zeros_like(area))


def rotated_overlaps(boxes1: Tensor, boxes2: Tensor, mode_flag: int = 0) -> Tensor:
    """IoU (``mode_flag`` 0) or IoF (1) of each aligned pair of rotated boxes (P, 5)."""
    result = boxes1.new_zeros(boxes1.size(0))
    for start in range(0, boxes1.size(0), PAIRS_PER_CHUNK):
        b1 = boxes1[start:start + PAIRS_PER_CHUNK, :5]
        b2 = boxes2[start:start + PAIRS_PER_CHUNK, :5]
        shift = (b1[:, :2] + b2[:, :2]) / 2
        zero = shift.new_zeros(shift.size(0), 3)
        b1 = b1 - torch.cat((shift, zero), 1)
        b2 = b2 - torch.cat((shift, zero), 1)
        area1 = b1[:, 2] * b1[:, 3]
        area2 = b2[:, 2] * b2[:, 3]
        inter = _intersection_area(_corners(b1), _corners(b2))
        base = area1 + area2 - inter if mode_flag == 0 else area1
        iou = inter / base
        degenerate = (area1 < 1e-14) | (area2 < 1e-14)
        result[start:start + PAIRS_PER_CHUNK] = torch.where(degenerate, torch.zeros_like(iou), iou)
    return result


def rotated_overlaps_matrix(boxes1: Tensor, boxes2: Tensor, mode_flag: int = 0) -> Tensor:
    """IoU / IoF (rows, cols) of every pair of rotated boxes (rows, 5) and (cols, 5).

    Two boxes whose circumscribed circles are apart cannot overlap: only the other pairs are
    computed (the overlap of the rest is exactly 0).
    """
    result = boxes1.new_zeros(boxes1.size(0), boxes2.size(0))
    if result.numel() == 0:
        return result
    radius1 = torch.hypot(boxes1[:, 2], boxes1[:, 3]) / 2
    radius2 = torch.hypot(boxes2[:, 2], boxes2[:, 3]) / 2
    distance = torch.cdist(boxes1[:, :2].contiguous(), boxes2[:, :2].contiguous(),
                           compute_mode='donot_use_mm_for_euclid_dist')
    reach = (radius1[:, None] + radius2[None, :]) * (1 + 1e-5) + 1e-6
    rows, cols = (distance <= reach).nonzero().unbind(1)
    if rows.numel():
        result[rows, cols] = rotated_overlaps(boxes1[rows], boxes2[cols], mode_flag)
    return result


def box_iou_rotated(boxes1: Tensor, boxes2: Tensor, ious: Tensor, mode_flag: int = 0,
                    aligned: bool = False) -> None:
    """mmcv's ``box_iou_rotated``: writes into ``ious`` (``rows`` if aligned, else ``rows*cols``).

    Args:
        boxes1: (rows, 5) rotated boxes, angles in radians, clockwise.
        boxes2: (cols, 5) rotated boxes.
        ious: The output, written in place (flat, row-major for the pairwise case).
        mode_flag: 0 for IoU, 1 for IoF (intersection over ``boxes1``' area).
        aligned: Pair ``boxes1[i]`` with ``boxes2[i]`` instead of every pair.
    """
    if ious.numel() == 0:
        return
    if aligned:
        ious.copy_(rotated_overlaps(boxes1, boxes2, mode_flag))
        return
    ious.view(-1).copy_(rotated_overlaps_matrix(boxes1[:, :5], boxes2[:, :5], mode_flag).view(-1))
