"""``bbox_overlaps``: IoU / IoF of axis-aligned boxes ``(x1, y1, x2, y2)``, mmcv's kernel."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['bbox_overlaps']


def bbox_overlaps(bboxes1: Tensor, bboxes2: Tensor, ious: Tensor, mode: int = 0,
                  aligned: bool = False, offset: int = 0) -> None:
    """Writes the overlaps of ``bboxes1`` (rows, 4) and ``bboxes2`` (cols, 4) into ``ious``.

    As mmcv's kernel: widths and heights get ``offset`` added and are clamped at 0; the
    denominator (the union for ``mode`` 0, ``bboxes1``' area for ``mode`` 1, IoF) is clamped at
    ``offset`` from below.

    Args:
        bboxes1: (rows, 4) boxes.
        bboxes2: (cols, 4) boxes.
        ious: (rows, cols), or (rows,) when ``aligned``; written in place.
        mode: 0 for IoU, 1 for IoF.
        aligned: Pair ``bboxes1[i]`` with ``bboxes2[i]`` instead of every pair.
        offset: 0, or 1 for mmcv's legacy pixel convention.
    """
    if ious.numel() == 0:
        return
    first = bboxes1 if aligned else bboxes1[:, None]
    second = bboxes2 if aligned else bboxes2[None]
    area1 = (first[..., 2] - first[..., 0] + offset) * (first[..., 3] - first[..., 1] + offset)
    area2 = (second[..., 2] - second[..., 0] + offset) * (second[..., 3] - second[..., 1] + offset)
    width = (torch.minimum(first[..., 2], second[..., 2]) -
             torch.maximum(first[..., 0], second[..., 0]) + offset).clamp(min=0)
    height = (torch.minimum(first[..., 3], second[..., 3]) -
              torch.maximum(first[..., 1], second[..., 1]) + offset).clamp(min=0)
    inter = width * height
    base = area1 + area2 - inter if mode == 0 else area1.expand_as(inter)
    ious.copy_(inter / base.clamp(min=offset))
