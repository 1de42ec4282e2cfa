"""Speed of mmlightning's ``mmcv._ext`` torch kernels against naive Python loops.

Usage::

    python benchmarks/ops.py [--quick] [--cases nms,roi_align_avg] [--threads N] [--repeats N]
                             [--device cpu|cuda]

Each case builds its inputs once, then times the kernel function (called as mmcv's wrapper calls
``mmcv._ext``; mmcv need not be installed) and the loop reference of
``benchmarks/ops_reference.py`` (a transcription of mmcv's C++ loops), checks that both agree, and
prints the median times and their ratio. When ``torchvision`` imports, its op (where it has one)
is timed too. Cases with ``reference=None`` time the kernel alone at a training-sized input.
With ``--device cuda`` the kernels run on the GPU (synchronised around each call); the loop
references stay on the CPU.

To add a kernel, append a :class:`Case` to :data:`CASES`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # ops_reference, beside this script
import ops_reference as reference  # noqa: E402

from mmlightning.ops import (  # noqa: E402
    bbox,
    box_iou_rotated,
    focal_loss,
    nms,
    roi_align,
    roi_align_rotated,
    roi_pool,
)

Inputs = dict[str, Any]


@dataclass
class Case:
    """One benchmark row.

    Attributes:
        name: Row label.
        make: Builds the inputs from a size scale (1.0 full, smaller for ``--quick``).
        kernel: Runs mmlightning's kernel on the inputs and returns comparable output.
        reference: Runs the loop reference (None: kernel timed alone).
        torchvision: Runs torchvision's op, if it has one (used only when torchvision imports).
        close: Compares the kernel's and the reference's outputs.
    """

    name: str
    make: Callable[[float], Inputs]
    kernel: Callable[[Inputs], Any]
    reference: Callable[[Inputs], Any] | None = None
    torchvision: Callable[[Any, Inputs], Any] | None = None
    close: Callable[[Any, Any], bool] = lambda a, b: torch.allclose(a, b, rtol=1e-4, atol=1e-5)


def _boxes(count: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    xy = torch.rand(count, 2, generator=generator) * 200
    wh = torch.rand(count, 2, generator=generator) * 60 + 4
    return torch.cat((xy, xy + wh), 1), torch.rand(count, generator=generator)


def _rotated(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    centre = torch.rand(count, 2, generator=generator) * 100
    size = torch.rand(count, 2, generator=generator) * 30 + 3
    angle = (torch.rand(count, 1, generator=generator) - 0.5) * 3
    return torch.cat((centre, size, angle), 1), torch.rand(count, generator=generator)


def _features(rois: int, channels: int, size: int, rotated: bool = False) -> Inputs:
    generator = torch.Generator().manual_seed(2)
    features = torch.randn(2, channels, size, size, generator=generator)
    xy = torch.rand(rois, 2, generator=generator) * size * 3
    wh = torch.rand(rois, 2, generator=generator) * size + 2
    batch = torch.randint(0, 2, (rois, 1), generator=generator).float()
    if rotated:
        angle = (torch.rand(rois, 1, generator=generator) - 0.5) * 3
        boxes = torch.cat((batch, xy + wh / 2, wh, angle), 1)
    else:
        boxes = torch.cat((batch, xy, xy + wh), 1)
    return {'features': features, 'rois': boxes, 'size': (7, 7), 'scale': 0.25}


def _count(base: int, scale: float) -> int:
    return max(8, int(base * scale))


def _nms_inputs(count: int) -> Inputs:
    boxes, scores = _boxes(count)
    return {'boxes': boxes, 'scores': scores}


def _dets(count: int) -> Inputs:
    boxes, scores = _boxes(count)
    return {'dets': torch.cat((boxes, scores[:, None]), 1)}


def _align(inputs: Inputs, mode: int) -> torch.Tensor:
    rois, features = inputs['rois'], inputs['features']
    shape = (len(rois), features.size(1), *inputs['size'])
    out = features.new_zeros(shape)
    argmax = [features.new_zeros(shape if mode == 0 else 0) for _ in range(2)]
    roi_align.roi_align_forward(features, rois, out, *argmax, aligned_height=7, aligned_width=7,
                                spatial_scale=inputs['scale'], sampling_ratio=0, pool_mode=mode,
                                aligned=True)
    return out


def _align_backward(inputs: Inputs) -> torch.Tensor:
    features = inputs['features']
    grad = features.new_zeros(features.shape)
    grad_output = torch.ones(len(inputs['rois']), features.size(1), 7, 7)
    empty = features.new_zeros(0)
    roi_align.roi_align_backward(grad_output, inputs['rois'], empty, empty, grad, 7, 7,
                                 inputs['scale'], 0, 1, True)
    return grad


def _pool(inputs: Inputs) -> torch.Tensor:
    rois, features = inputs['rois'], inputs['features']
    out = features.new_zeros(len(rois), features.size(1), 7, 7)
    argmax = torch.zeros(out.shape, dtype=torch.int)
    roi_pool.roi_pool_forward(features, rois, out, argmax, 7, 7, inputs['scale'])
    return out


def _align_rotated(inputs: Inputs) -> torch.Tensor:
    rois, features = inputs['rois'], inputs['features']
    out = features.new_zeros(len(rois), features.size(1), 7, 7)
    roi_align_rotated.roi_align_rotated_forward(features, rois, out, 7, 7, inputs['scale'], 0,
                                                True, False)
    return out


def _overlaps(inputs: Inputs) -> torch.Tensor:
    out = inputs['boxes'].new_zeros(len(inputs['boxes']), len(inputs['boxes']))
    bbox.bbox_overlaps(inputs['boxes'], inputs['boxes'], out)
    return out


def _rotated_ious(inputs: Inputs) -> torch.Tensor:
    boxes = inputs['boxes']
    out = boxes.new_zeros(len(boxes) * len(boxes))
    box_iou_rotated.box_iou_rotated(boxes, boxes, out)
    return out.view(len(boxes), len(boxes))


def _nms_rotated(inputs: Inputs) -> torch.Tensor:
    boxes, scores = inputs['boxes'], inputs['scores']
    order = scores.sort(0, descending=True)[1]
    return nms.nms_rotated(boxes, scores, order, boxes[order], scores.new_empty(0), 0.3, False)


def _softnms(inputs: Inputs) -> torch.Tensor:
    dets = inputs['boxes'].new_empty(len(inputs['boxes']), 5)
    inds = nms.softnms(inputs['boxes'], inputs['scores'], dets, 0.3, 0.5, 1e-3, 2, 0)
    return dets[:len(inds)]


def _logits(count: int) -> Inputs:
    generator = torch.Generator().manual_seed(3)
    return {'logits': torch.randn(count, 80, generator=generator),
            'target': torch.randint(0, 81, (count,), generator=generator)}


def _sigmoid_focal(inputs: Inputs) -> torch.Tensor:
    out = torch.empty_like(inputs['logits'])
    focal_loss.sigmoid_focal_loss_forward(inputs['logits'], inputs['target'], torch.empty(0), out,
                                          2.0, 0.25)
    return out


def _softmax_focal(inputs: Inputs) -> torch.Tensor:
    out = inputs['logits'].new_empty(len(inputs['logits']))
    target = inputs['target'].clamp(max=79)
    focal_loss.softmax_focal_loss_forward(inputs['logits'].softmax(1), target, torch.empty(0),
                                          out, 2.0, 0.25)
    return out


def _same(a: Any, b: Any) -> bool:
    return torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b


CASES: list[Case] = [
    Case('nms (500 boxes)', lambda s: _nms_inputs(_count(500, s)),
         lambda i: nms.nms(i['boxes'], i['scores'], 0.5),
         lambda i: reference.nms(i['boxes'], i['scores'], 0.5),
         torchvision=lambda tv, i: tv.ops.nms(i['boxes'], i['scores'], 0.5), close=_same),
    Case('nms (5000 boxes)', lambda s: _nms_inputs(_count(5000, s)),
         lambda i: nms.nms(i['boxes'], i['scores'], 0.7),
         torchvision=lambda tv, i: tv.ops.nms(i['boxes'], i['scores'], 0.7)),
    Case('softnms gaussian (300 boxes)', lambda s: _nms_inputs(_count(300, s)), _softnms,
         lambda i: reference.softnms(i['boxes'], i['scores'], 0.3, 0.5, 1e-3, 2)[0]),
    Case('nms_match (500 boxes)', lambda s: _dets(_count(500, s)),
         lambda i: nms.nms_match(i['dets'], 0.5), lambda i: reference.nms_match(i['dets'], 0.5),
         close=_same),
    Case('bbox_overlaps (300 x 300)', lambda s: _nms_inputs(_count(300, s)), _overlaps,
         lambda i: reference.bbox_overlaps(i['boxes'], i['boxes']),
         torchvision=lambda tv, i: tv.ops.box_iou(i['boxes'], i['boxes'])),
    Case('box_iou_rotated (80 x 80)', lambda s: dict(zip(('boxes', 'scores'),
                                                         _rotated(_count(80, s)))),
         _rotated_ious, lambda i: reference.box_iou_rotated(i['boxes'], i['boxes']),
         close=lambda a, b: torch.allclose(a, b, atol=1e-4)),
    Case('nms_rotated (200 boxes)', lambda s: dict(zip(('boxes', 'scores'),
                                                       _rotated(_count(200, s)))),
         _nms_rotated, lambda i: reference.nms_rotated(i['boxes'], i['scores'], 0.3),
         close=_same),
    Case('roi_align avg (64 RoIs, C=32)', lambda s: _features(_count(64, s), 32, 48),
         lambda i: _align(i, 1),
         lambda i: reference.roi_align(i['features'], i['rois'], (7, 7), 0.25, 0, 'avg', True),
         torchvision=lambda tv, i: tv.ops.roi_align(i['features'], i['rois'], 7, 0.25, 0, True)),
    Case('roi_align max (64 RoIs, C=32)', lambda s: _features(_count(64, s), 32, 48),
         lambda i: _align(i, 0),
         lambda i: reference.roi_align(i['features'], i['rois'], (7, 7), 0.25, 0, 'max', True)),
    Case('roi_align avg (512 RoIs, C=256)', lambda s: _features(_count(512, s), 256, 64),
         lambda i: _align(i, 1),
         torchvision=lambda tv, i: tv.ops.roi_align(i['features'], i['rois'], 7, 0.25, 0, True)),
    Case('roi_align backward (512 RoIs, C=256)', lambda s: _features(_count(512, s), 256, 64),
         _align_backward),
    Case('roi_pool (64 RoIs, C=8)', lambda s: _features(_count(64, s), 8, 48), _pool,
         lambda i: reference.roi_pool(i['features'], i['rois'], (7, 7), 0.25)[0],
         torchvision=lambda tv, i: tv.ops.roi_pool(i['features'], i['rois'], 7, 0.25)),
    Case('roi_align_rotated (64 RoIs, C=32)',
         lambda s: _features(_count(64, s), 32, 48, rotated=True), _align_rotated,
         lambda i: reference.roi_align_rotated(i['features'], i['rois'], (7, 7), 0.25, 0, True,
                                               False)),
    Case('sigmoid_focal_loss (500 x 80)', lambda s: _logits(_count(500, s)), _sigmoid_focal,
         lambda i: reference.sigmoid_focal_loss(i['logits'], i['target'], 2.0, 0.25)),
    Case('softmax_focal_loss (500 x 80)', lambda s: _logits(_count(500, s)), _softmax_focal,
         lambda i: reference.softmax_focal_loss(i['logits'], i['target'].clamp(max=79), 2.0,
                                                0.25)),
]


def _time(call: Callable[[], Any], repeats: int,
          device: torch.device = torch.device('cpu')) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls (after one untimed warm-up), and the last result."""
    result = call()
    times = []
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        result = call()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _to(value: Any, device: torch.device) -> Any:
    """``value`` with every tensor in it (also in tuples, lists, dicts) moved to ``device``."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_to(item, device) for item in value)
    if isinstance(value, dict):
        return {key: _to(item, device) for key, item in value.items()}
    return value


def _torchvision() -> Any:
    try:
        import torchvision
    except Exception:  # noqa: BLE001 - a torchvision built for another torch raises anything
        return None
    return torchvision


def run(cases: list[Case], scale: float, repeats: int,
        device: torch.device = torch.device('cpu')) -> list[dict[str, Any]]:
    """Times each case; returns one row per case (seconds, ratio, whether outputs agree)."""
    tv = _torchvision()
    rows = []
    for case in cases:
        inputs = case.make(scale)
        on_device = _to(inputs, device)
        kernel_s, ours = _time(partial(case.kernel, on_device), repeats, device)
        row: dict[str, Any] = {'case': case.name, 'kernel_s': kernel_s}
        if case.reference is not None:
            reference_s, expected = _time(partial(case.reference, inputs), 1)
            row.update(reference_s=reference_s, ratio=reference_s / kernel_s,
                       agree=bool(case.close(_to(ours, torch.device('cpu')), expected)))
        if tv is not None and case.torchvision is not None:
            row['torchvision_s'] = _time(partial(case.torchvision, tv, on_device), repeats,
                                         device)[0]
        rows.append(row)
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    width = max(len(row['case']) for row in rows)
    print(f"{'case':<{width}}  kernel ms  loop ms  loop/kernel  agree  torchvision ms")
    for row in rows:
        loop = f"{row['reference_s'] * 1e3:>7.1f}" if 'reference_s' in row else f"{'-':>7}"
        ratio = f"{row['ratio']:>10.1f}x" if 'ratio' in row else f"{'-':>11}"
        agree = ('yes' if row['agree'] else 'NO') if 'agree' in row else '-'
        tv = f"{row['torchvision_s'] * 1e3:.2f}" if 'torchvision_s' in row else '-'
        print(f"{row['case']:<{width}}  {row['kernel_s'] * 1e3:>9.2f}  {loop}  {ratio}  "
              f"{agree:>5}  {tv}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='inputs at a tenth of the size')
    parser.add_argument('--cases', default='', help='comma-separated substrings of case names')
    parser.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    parser.add_argument('--repeats', type=int, default=5, help='timed calls of each kernel')
    parser.add_argument('--device', default='cpu', help='where the kernels run (cpu, cuda)')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    wanted = [part for part in args.cases.split(',') if part]
    cases = [case for case in CASES if not wanted or any(w in case.name for w in wanted)]
    print(f'torch {torch.__version__}, device {args.device}, threads {torch.get_num_threads()}, '
          f'torchvision {"importable" if _torchvision() else "not importable"}')
    rows = run(cases, 0.1 if args.quick else 1.0, args.repeats, torch.device(args.device))
    print_rows(rows)
    return 0 if all(row.get('agree', True) for row in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
