"""Naive Python-loop versions of mmcv's kernels: the oracle of tests/ops and the baseline of ops.py.

Each is a direct transcription of the loops of mmcv 2.1.0's C++/CUDA kernel (one box, one bin,
one sample at a time; only the channel axis is a tensor), written for clarity, not speed. The
rotated-box IoU clips one rectangle by the other (Sutherland-Hodgman), an algorithm independent of
the kernel's.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# ----------------------------------------------------------------------------- axis-aligned boxes


def box_iou(a: list[float], b: list[float], offset: float = 0.0) -> float:
    """IoU of two ``(x1, y1, x2, y2)`` boxes, as mmcv's NMS loop computes it."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + offset)
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + offset)
    inter = w * h
    area_a = (a[2] - a[0] + offset) * (a[3] - a[1] + offset)
    area_b = (b[2] - b[0] + offset) * (b[3] - b[1] + offset)
    return inter / (area_a + area_b - inter)


def greedy(scores: Tensor, suppresses) -> list[int]:
    """The boxes a greedy NMS keeps, by descending score; ``suppresses(i, j)`` compares two."""
    order = scores.sort(0, descending=True)[1].tolist()
    suppressed = [False] * len(order)
    keep = []
    for position, i in enumerate(order):
        if suppressed[position]:
            continue
        keep.append(i)
        for later in range(position + 1, len(order)):
            if not suppressed[later] and suppresses(i, order[later]):
                suppressed[later] = True
    return keep


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float, offset: int = 0) -> Tensor:
    rows = boxes.tolist()
    keep = greedy(scores, lambda i, j: box_iou(rows[i], rows[j], offset) > iou_threshold)
    return torch.tensor(keep, dtype=torch.long)


def softnms(boxes: Tensor, scores: Tensor, iou_threshold: float, sigma: float, min_score: float,
            method: int, offset: int = 0) -> tuple[Tensor, Tensor]:
    """mmcv's soft-NMS loop, swaps included; returns (dets (K, 5), indices (K,))."""
    rows = [box + [score, i] for i, (box, score) in enumerate(zip(boxes.tolist(),
                                                                   scores.tolist()))]
    count = len(rows)
    i = 0
    while i < count:
        best = max(range(i, count), key=lambda k: (rows[k][4], -k))
        rows[i], rows[best] = rows[best], rows[i]
        pos = i + 1
        while pos < count:
            iou = box_iou(rows[i], rows[pos], offset)
            if method == 0:
                weight = 0.0 if iou >= iou_threshold else 1.0
            elif method == 1:
                weight = 1 - iou if iou >= iou_threshold else 1.0
            else:
                weight = math.exp(-(iou * iou) / sigma)
            rows[pos][4] *= weight
            if rows[pos][4] < min_score:
                rows[pos] = rows[count - 1]
                count -= 1
                pos -= 1
            pos += 1
        i += 1
    dets = torch.tensor([row[:5] for row in rows[:count]], dtype=boxes.dtype).view(-1, 5)
    return dets, torch.tensor([int(row[5]) for row in rows[:count]], dtype=torch.long)


def nms_match(dets: Tensor, iou_threshold: float) -> list[list[int]]:
    order = dets[:, 4].sort(0, descending=True)[1].tolist()
    rows = dets.tolist()
    suppressed = [False] * len(order)
    groups = []
    for position, i in enumerate(order):
        if suppressed[position]:
            continue
        group = [i]
        for later in range(position + 1, len(order)):
            if not suppressed[later] and box_iou(rows[i], rows[order[later]]) >= iou_threshold:
                suppressed[later] = True
                group.append(order[later])
        groups.append(group)
    return groups


def bbox_overlaps(bboxes1: Tensor, bboxes2: Tensor, mode: str = 'iou', aligned: bool = False,
                  offset: int = 0) -> Tensor:
    pairs = [(i, i) for i in range(len(bboxes1))] if aligned else \
        [(i, j) for i in range(len(bboxes1)) for j in range(len(bboxes2))]
    first, second = bboxes1.tolist(), bboxes2.tolist()
    values = []
    for i, j in pairs:
        a, b = first[i], second[j]
        w = max(min(a[2], b[2]) - max(a[0], b[0]) + offset, 0.0)
        h = max(min(a[3], b[3]) - max(a[1], b[1]) + offset, 0.0)
        area_a = (a[2] - a[0] + offset) * (a[3] - a[1] + offset)
        area_b = (b[2] - b[0] + offset) * (b[3] - b[1] + offset)
        base = area_a + area_b - w * h if mode == 'iou' else area_a
        values.append(w * h / max(base, offset))
    shape = (len(first),) if aligned else (len(first), len(second))
    return torch.tensor(values, dtype=bboxes1.dtype).view(shape)


# ----------------------------------------------------------------------------- rotated boxes


def rotated_corners(box: list[float]) -> list[tuple[float, float]]:
    """Corners of ``(x, y, w, h, angle)``, counter-clockwise in a y-down image."""
    x, y, w, h, angle = box[:5]
    c, s = math.cos(angle), math.sin(angle)
    return [(x + c * dx - s * dy, y + s * dx + c * dy)
            for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]


def _clip(polygon: list[tuple[float, float]], a: tuple[float, float],
          b: tuple[float, float]) -> list[tuple[float, float]]:
    """Keeps the part of ``polygon`` left of the directed line a -> b (Sutherland-Hodgman)."""
    def side(p):
        return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])

    result = []
    for k, current in enumerate(polygon):
        previous = polygon[k - 1]
        s_cur, s_prev = side(current), side(previous)
        if (s_cur >= 0) != (s_prev >= 0):
            t = s_prev / (s_prev - s_cur)
            result.append((previous[0] + t * (current[0] - previous[0]),
                           previous[1] + t * (current[1] - previous[1])))
        if s_cur >= 0:
            result.append(current)
    return result


def _area(polygon: list[tuple[float, float]]) -> float:
    return abs(sum(p[0] * q[1] - q[0] * p[1]
                   for p, q in zip(polygon, polygon[1:] + polygon[:1]))) / 2


def rotated_iou(a: list[float], b: list[float], mode: str = 'iou') -> float:
    area_a, area_b = a[2] * a[3], b[2] * b[3]
    if area_a < 1e-14 or area_b < 1e-14:
        return 0.0
    polygon = rotated_corners(a)
    clipper = rotated_corners(b)
    for k in range(4):
        if polygon:
            polygon = _clip(polygon, clipper[k], clipper[(k + 1) % 4])
    inter = _area(polygon) if len(polygon) > 2 else 0.0
    return inter / (area_a + area_b - inter if mode == 'iou' else area_a)


def box_iou_rotated(bboxes1: Tensor, bboxes2: Tensor, mode: str = 'iou',
                    aligned: bool = False) -> Tensor:
    first, second = bboxes1.tolist(), bboxes2.tolist()
    if aligned:
        return torch.tensor([rotated_iou(a, b, mode) for a, b in zip(first, second)])
    return torch.tensor([[rotated_iou(a, b, mode) for b in second] for a in first]).view(
        len(first), len(second))


def nms_rotated(dets: Tensor, scores: Tensor, iou_threshold: float,
                labels: Tensor | None = None) -> Tensor:
    rows = dets.tolist()
    classes = labels.tolist() if labels is not None else [0] * len(rows)
    keep = greedy(scores, lambda i, j: classes[i] == classes[j] and
                  rotated_iou(rows[i], rows[j]) >= iou_threshold)
    return torch.tensor(keep, dtype=torch.long)


# ----------------------------------------------------------------------------- RoI pooling


def bilinear(plane: Tensor, y: float, x: float) -> Tensor:
    """mmcv's ``bilinear_interpolate`` of ``plane`` (C, H, W) at one point."""
    height, width = plane.shape[-2:]
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return plane.new_zeros(plane.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_high = y_low = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_high = x_low = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    return (hy * hx * plane[:, y_low, x_low] + hy * lx * plane[:, y_low, x_high] +
            ly * hx * plane[:, y_high, x_low] + ly * lx * plane[:, y_high, x_high])


def roi_align(input: Tensor, rois: Tensor, output_size: tuple[int, int], spatial_scale: float,
              sampling_ratio: int, pool_mode: str, aligned: bool) -> Tensor:
    """mmcv's RoIAlign loops, (R, C, PH, PW); max pooling keeps the largest sample."""
    pooled_h, pooled_w = output_size
    out = input.new_zeros(len(rois), input.size(1), pooled_h, pooled_w)
    offset = 0.5 if aligned else 0.0
    for n, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        start_w, start_h = x1 * spatial_scale - offset, y1 * spatial_scale - offset
        roi_w = x2 * spatial_scale - offset - start_w
        roi_h = y2 * spatial_scale - offset - start_h
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / pooled_h, roi_w / pooled_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / pooled_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / pooled_w)
        plane = input[int(b)]
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                values = [bilinear(plane, start_h + ph * bin_h + (iy + .5) * bin_h / grid_h,
                                   start_w + pw * bin_w + (ix + .5) * bin_w / grid_w)
                          for iy in range(grid_h) for ix in range(grid_w)]
                if pool_mode == 'avg':
                    out[n, :, ph, pw] = sum(values) / max(grid_h * grid_w, 1)
                else:
                    out[n, :, ph, pw] = torch.stack(values).max(0)[0].clamp(min=-10000.0)
    return out


def roi_align_rotated(input: Tensor, rois: Tensor, output_size: tuple[int, int],
                      spatial_scale: float, sampling_ratio: int, aligned: bool,
                      clockwise: bool) -> Tensor:
    pooled_h, pooled_w = output_size
    out = input.new_zeros(len(rois), input.size(1), pooled_h, pooled_w)
    offset = 0.5 if aligned else 0.0
    for n, (b, cx, cy, w, h, angle) in enumerate(rois.tolist()):
        cx, cy = cx * spatial_scale - offset, cy * spatial_scale - offset
        w, h = w * spatial_scale, h * spatial_scale
        theta = -angle if clockwise else angle
        if not aligned:
            w, h = max(w, 1.0), max(h, 1.0)
        bin_h, bin_w = h / pooled_h, w / pooled_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(h / pooled_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(w / pooled_w)
        c, s = math.cos(theta), math.sin(theta)
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                total = input.new_zeros(input.size(1))
                for iy in range(grid_h):
                    yy = -h / 2 + ph * bin_h + (iy + .5) * bin_h / grid_h
                    for ix in range(grid_w):
                        xx = -w / 2 + pw * bin_w + (ix + .5) * bin_w / grid_w
                        total += bilinear(input[int(b)], yy * c - xx * s + cy, yy * s + xx * c + cx)
                out[n, :, ph, pw] = total / max(grid_h * grid_w, 1)
    return out


def roi_pool(input: Tensor, rois: Tensor, output_size: tuple[int, int],
             spatial_scale: float) -> tuple[Tensor, Tensor]:
    """mmcv's RoIPool loops: (R, C, PH, PW) maxima and their flat positions."""
    pooled_h, pooled_w = output_size
    height, width = input.shape[-2:]
    out = input.new_zeros(len(rois), input.size(1), pooled_h, pooled_w)
    argmax = torch.zeros(out.shape, dtype=torch.int)
    for n, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        x1, y1 = x1 * spatial_scale, y1 * spatial_scale
        roi_w, roi_h = (x2 + 1) * spatial_scale - x1, (y2 + 1) * spatial_scale - y1
        if roi_w <= 0 or roi_h <= 0:
            continue
        bin_w, bin_h = roi_w / pooled_w, roi_h / pooled_h
        for c in range(input.size(1)):
            plane = input[int(b), c].reshape(-1).tolist()
            for ph in range(pooled_h):
                for pw in range(pooled_w):
                    h0 = min(max(math.floor(ph * bin_h + y1), 0), height)
                    h1 = min(max(math.ceil((ph + 1) * bin_h + y1), 0), height)
                    w0 = min(max(math.floor(pw * bin_w + x1), 0), width)
                    w1 = min(max(math.ceil((pw + 1) * bin_w + x1), 0), width)
                    empty = h1 <= h0 or w1 <= w0
                    best, where = (0.0 if empty else -3.4028234663852886e38), -1
                    for hh in range(h0, h1):
                        for ww in range(w0, w1):
                            if plane[hh * width + ww] > best:
                                best, where = plane[hh * width + ww], hh * width + ww
                    out[n, c, ph, pw], argmax[n, c, ph, pw] = best, where
    return out, argmax


# ----------------------------------------------------------------------------- focal losses


def sigmoid_focal_loss(input: Tensor, target: Tensor, gamma: float, alpha: float) -> Tensor:
    """Per-element loss (N, C), one element at a time."""
    out = input.new_zeros(input.shape)
    tiny = 1.1754943508222875e-38
    for n, row in enumerate(input.tolist()):
        for c, x in enumerate(row):
            p = 1 / (1 + math.exp(-x))
            if int(target[n]) == c:
                out[n, c] = -alpha * (1 - p) ** gamma * math.log(max(p, tiny))
            else:
                out[n, c] = -(1 - alpha) * p ** gamma * math.log(max(1 - p, tiny))
    return out


def softmax_focal_loss(input: Tensor, target: Tensor, gamma: float, alpha: float) -> Tensor:
    """Per-sample loss (N,) of the softmax of the logits, one sample at a time."""
    out = input.new_zeros(input.size(0))
    for n, row in enumerate(input.tolist()):
        top = max(row)
        total = sum(math.exp(v - top) for v in row)
        p = math.exp(row[int(target[n])] - top) / total
        out[n] = -alpha * (1 - p) ** gamma * math.log(max(p, 1.1754943508222875e-38))
    return out
