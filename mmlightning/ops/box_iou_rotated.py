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


def _cross(a: Tensor, b: Tensor) -> Tensor:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _dot(a: Tensor, b: Tensor) -> Tensor:
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1]


def _corners(boxes: Tensor) -> Tensor:
    """The four corners (P, 4, 2) of boxes (P, 5), in mmcv's ``get_rotated_vertices`` order."""
    x, y, w, h, angle = boxes.unbind(-1)
    cos2 = torch.cos(angle) * 0.5
    sin2 = torch.sin(angle) * 0.5
    p0 = torch.stack((x - sin2 * h - cos2 * w, y + cos2 * h - sin2 * w), -1)
    p1 = torch.stack((x + sin2 * h - cos2 * w, y - cos2 * h - sin2 * w), -1)
    centre = torch.stack((x, y), -1)
    return torch.stack((p0, p1, 2 * centre - p0, 2 * centre - p1), -2)


def _inside(points: Tensor, rect: Tensor) -> Tensor:
    """Whether each of ``points`` (P, 4, 2) lies in the rectangle ``rect`` (P, 4, 2)."""
    ab = (rect[:, 1] - rect[:, 0])[:, None]
    da = (rect[:, 0] - rect[:, 3])[:, None]
    ap = points - rect[:, :1]
    along_ab = _dot(ap, ab)
    along_ad = -_dot(ap, da)
    return (along_ab >= 0) & (along_ad >= 0) & (along_ab <= _dot(ab, ab)) & \
        (along_ad <= _dot(da, da))


def _intersection_area(pts1: Tensor, pts2: Tensor) -> Tensor:
    """Area of the intersection of the rectangles with corners ``pts1``, ``pts2`` (P, 4, 2)."""
    vec1 = pts1.roll(-1, 1) - pts1
    vec2 = pts2.roll(-1, 1) - pts2
    v1, p1 = vec1[:, :, None], pts1[:, :, None]
    v2, p2 = vec2[:, None], pts2[:, None]
    det = _cross(v2, v1)
    safe = torch.where(det.abs() <= 1e-14, torch.ones_like(det), det)
    offset = p2 - p1
    t1 = _cross(v2, offset) / safe
    t2 = _cross(v1, offset) / safe
    crossing = (det.abs() > 1e-14) & (t1 >= 0) & (t1 <= 1) & (t2 >= 0) & (t2 <= 1)
    crossings = (p1 + v1 * t1[..., None]).flatten(1, 2)
    points = torch.cat((crossings, pts1, pts2), 1)
    valid = torch.cat((crossing.flatten(1), _inside(pts1, pts2), _inside(pts2, pts1)), 1)
    number = valid.sum(1)
    weights = valid.to(points.dtype)[..., None]
    centroid = (points * weights).sum(1, keepdim=True) / number.clamp(min=1)[:, None, None]
    relative = points - centroid
    angle = torch.atan2(relative[..., 1], relative[..., 0])
    angle = torch.where(valid, angle, torch.full_like(angle, 10.0))
    order = angle.argsort(1)
    ordered = relative.gather(1, order[..., None].expand(-1, -1, 2))
    ordered_valid = valid.gather(1, order)
    ordered = torch.where(ordered_valid[..., None], ordered, ordered[:, :1])
    area = _cross(ordered, ordered.roll(-1, 1)).sum(1).abs() * 0.5
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
    rows, cols = boxes1.size(0), boxes2.size(0)
    first = boxes1[:, None].expand(rows, cols, boxes1.size(1)).reshape(-1, boxes1.size(1))
    second = boxes2[None].expand(rows, cols, boxes2.size(1)).reshape(-1, boxes2.size(1))
    ious.view(-1).copy_(rotated_overlaps(first, second, mode_flag))
