"""border_align kernels through mmcv's border_align."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck


def _loop_reference(sample, input, boxes, pool_size):
    n, c4, _, _ = input.shape
    c = c4 // 4
    out = input.new_zeros(n, c, boxes.shape[1], 4)
    for b in range(n):
        for k, (x1, y1, x2, y2) in enumerate(boxes[b].tolist()):
            starts = [(x1, y1), (x1, y1), (x2, y2), (x2, y2)]
            steps = [((x2 - x1) / pool_size, 0), (0, (y2 - y1) / pool_size),
                     (-(x2 - x1) / pool_size, 0), (0, -(y2 - y1) / pool_size)]
            for side in range(4):
                feats = input[b, side * c:(side + 1) * c]
                samples = [sample(feats, starts[side][1] + i * steps[side][1],
                                  starts[side][0] + i * steps[side][0])
                           for i in range(pool_size + 1)]
                out[b, :, k, side] = torch.stack(samples).max(0).values
    return out


def _inputs():
    gen = torch.Generator().manual_seed(5)
    input = torch.randn(2, 8, 6, 7, generator=gen, dtype=torch.double)
    boxes = torch.tensor([[[0.5, 1.0, 5.5, 4.0], [2.0, 0.0, 6.8, 5.9], [-1.5, 3.0, 3.0, 7.0]],
                          [[1.2, 1.3, 1.9, 4.4], [0.0, 0.0, 6.0, 5.0], [3.0, 2.0, 4.0, 3.0]]],
                         dtype=torch.double)
    return input, boxes


@pytest.mark.parametrize('pool_size', [1, 3, 10])
def test_matches_the_loop_reference(mmcv_ops, roi_align_sample, pool_size):
    input, boxes = _inputs()
    torch.testing.assert_close(mmcv_ops.border_align(input, boxes, pool_size),
                               _loop_reference(roi_align_sample, input, boxes, pool_size))


def test_gradcheck(mmcv_ops):
    input, boxes = _inputs()
    leaf = input.requires_grad_()
    assert gradcheck(lambda inp: mmcv_ops.border_align(inp, boxes, 3), (leaf,), eps=1e-6,
                     atol=1e-5, fast_mode=True)
