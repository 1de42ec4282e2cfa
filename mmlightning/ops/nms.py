"""``nms``, ``softnms``, ``nms_match``, ``nms_rotated``: non-maximum suppression kernels.

Each follows mmcv 2.1.0's CPU kernel: the same sort (``scores.sort(0, descending=True)``), the
same overlap arithmetic (``offset`` added to widths, ``>`` for ``nms``, ``>=`` for ``nms_match``
and ``nms_rotated``) and the same output order. Hard NMS is solved with
:func:`mmlightning.ops.greedy.greedy_keep` (tensor operations, a loop over blocks). Soft-NMS
rescores the remaining boxes after each pick, so it loops over the picked boxes (each step is
vectorised over the remaining ones), as every soft-NMS does.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.box_iou_rotated import rotated_overlaps_matrix
from mmlightning.ops.greedy import greedy_keep

__all__ = ['nms', 'nms_match', 'nms_rotated', 'softnms']


def _areas(boxes: Tensor, offset: float) -> Tensor:
    return (boxes[:, 2] - boxes[:, 0] + offset) * (boxes[:, 3] - boxes[:, 1] + offset)


def _overlaps(first: Tensor, first_areas: Tensor, second: Tensor, second_areas: Tensor,
              offset: float) -> Tensor:
    """IoU of every box of ``first`` with every box of ``second``, as mmcv's loop computes it.

    Boxes come as coordinate rows, (4, R) and (4, C) (``x1, y1, x2, y2``): broadcasting
    contiguous (R, 1) columns against (C,) rows is many times faster than broadcasting (R, 1, 4)
    against (C, 4) boxes.
    """
    x1, y1, x2, y2 = first[:, :, None]
    u1, v1, u2, v2 = second
    width = torch.minimum(x2, u2).sub_(torch.maximum(x1, u1))
    height = torch.minimum(y2, v2).sub_(torch.maximum(y1, v1))
    if offset:
        width.add_(offset)
        height.add_(offset)
    inter = width.clamp_(min=0).mul_(height.clamp_(min=0))
    union = (first_areas[:, None] + second_areas[None, :]).sub_(inter)
    return inter.div_(union)


def _sorted_greedy(boxes: Tensor, scores: Tensor, threshold: float, offset: float,
                   inclusive: bool, owners: bool) -> tuple[Tensor, Tensor, Tensor]:
    """Sort order, ``keep`` and ``owner`` (see ``greedy_keep``) of an axis-aligned hard NMS."""
    order = scores.sort(0, descending=True)[1]
    ordered = boxes[order, :4]
    areas = _areas(ordered, offset)
    coords = ordered.t().contiguous()

    def suppresses(rows: Tensor, cols: Tensor) -> Tensor:
        iou = _overlaps(coords.index_select(1, rows), areas.index_select(0, rows),
                        coords.index_select(1, cols), areas.index_select(0, cols), offset)
        return iou >= threshold if inclusive else iou > threshold

    keep, owner = greedy_keep(order.numel(), suppresses, device=boxes.device, owners=owners)
    return order, keep, owner


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, offset: int = 0) -> Tensor:
    """mmcv's ``nms``: indices of the kept ``boxes`` (N, 4), by descending score.

    A box is dropped when its IoU with a kept, higher-scoring box is above ``iou_threshold``.
    ``offset`` (0 or 1) is added to every width and height (mmcv's legacy pixel convention).
    """
    if boxes.numel() == 0:
        return boxes.new_empty(0, dtype=torch.long)
    order, keep, _ = _sorted_greedy(boxes, scores, iou_threshold, offset, inclusive=False,
                                     owners=False)
    return order[keep]


def nms_match(dets: Tensor, iou_threshold: float) -> list[list[int]]:
    """mmcv's ``nms_match``: the groups of ``dets`` (N, 5: box and score) a greedy NMS forms.

    Each group is a kept box followed by the boxes it suppressed (IoU ``>= iou_threshold``, no
    offset), all in descending score order; groups come in the order of their kept box.
    """
    if dets.numel() == 0:
        return []
    order, keep, owner = _sorted_greedy(dets, dets[:, 4], iou_threshold, 0, inclusive=True,
                                         owners=True)
    positions = torch.arange(order.numel(), device=dets.device)
    group = torch.where(keep, positions, owner)
    ranked = torch.sort(group * order.numel() + positions)[0]
    members = order[ranked % order.numel()]
    sizes = torch.bincount(group, minlength=order.numel())[keep]
    return [chunk.tolist() for chunk in members.split(sizes.tolist())]


def softnms(boxes: Tensor, scores: Tensor, dets: Tensor, iou_threshold: float, sigma: float,
            min_score: float, method: int, offset: int) -> Tensor:
    """mmcv's ``softnms``: picks boxes by rescored score; writes ``dets`` (N, 5) in place.

    After each pick (the highest remaining score, the first such box on ties), every remaining
    box's score is multiplied by a weight of its IoU with the pick: ``method`` 0 (naive) 0 when the
    IoU is ``>= iou_threshold``, 1 (linear) ``1 - iou`` then, 2 (gaussian)
    ``exp(-iou**2 / sigma)``. Boxes whose score drops below ``min_score`` are removed; as in mmcv,
    the last remaining box takes a removed box's place, which decides later ties.

    Returns:
        The original indices of the picked boxes; ``dets[:len]`` holds their boxes and scores.
    """
    count = boxes.size(0)
    if count == 0:
        return boxes.new_empty(0, dtype=torch.long)
    # one row per field (x1, y1, x2, y2, score, area): every step reads contiguous slices of the
    # remaining boxes
    table = torch.cat((boxes[:, :4].t(), scores[None].to(boxes.dtype), _areas(boxes, offset)[None]),
                      0)
    index = torch.arange(count, device=boxes.device)
    pick = 0
    while pick < count:
        best = pick + int(table[4, pick:count].argmax())
        if best != pick:
            table[:, [pick, best]] = table[:, [best, pick]]
            index[[pick, best]] = index[[best, pick]]
        dets[pick] = table[:5, pick]
        rest = table[:, pick + 1:count]
        iou = _overlaps(table[:4, pick:pick + 1], table[5, pick:pick + 1], rest[:4], rest[5],
                        offset)[0]
        if method == 0:
            rest[4].masked_fill_(iou >= iou_threshold, 0)
        elif method == 1:
            rest[4] *= torch.where(iou >= iou_threshold, 1 - iou, 1.0)
        else:
            rest[4] *= iou.mul_(iou).div_(-sigma).exp_()
        removed = rest[4] < min_score
        if bool(removed.any()):
            survivors = int(count - pick - 1 - removed.sum())
            holes = removed[:survivors].nonzero()[:, 0]
            movers = (~removed[survivors:]).nonzero()[:, 0].flip(0) + survivors
            rest[:, holes] = rest[:, movers]
            index[pick + 1 + holes] = index[pick + 1 + movers]
            count = pick + 1 + survivors
        pick += 1
    return index[:count].clone()


def nms_rotated(dets: Tensor, scores: Tensor, order: Tensor, dets_sorted: Tensor, labels: Tensor,
                iou_threshold: float, multi_label: int | bool) -> Tensor:
    """mmcv's ``nms_rotated``: indices of the kept rotated boxes, by descending score.

    ``dets`` is (N, 5) ``(x, y, w, h, angle)`` (a sixth column, the label, when ``multi_label``);
    ``order`` and ``dets_sorted`` are the wrapper's sort of them. A box is dropped when its rotated
    IoU with a kept, higher-scoring box is ``>= iou_threshold`` and, with ``multi_label``, both have
    the same label (mmcv's CUDA kernel; its CPU kernel ignores the labels).
    """
    if dets.numel() == 0:
        return dets.new_empty(0, dtype=torch.long)
    ordered = dets_sorted[:, :5]
    ordered_labels = labels[order] if multi_label else None

    def suppresses(rows: Tensor, cols: Tensor) -> Tensor:
        iou = rotated_overlaps_matrix(ordered.index_select(0, rows), ordered.index_select(0, cols))
        matrix = iou >= iou_threshold
        if ordered_labels is not None:
            matrix &= ordered_labels[rows, None] == ordered_labels[None, cols]
        return matrix

    keep, _ = greedy_keep(order.numel(), suppresses, device=dets.device)
    return order[keep]
