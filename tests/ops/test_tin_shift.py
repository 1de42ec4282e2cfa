"""tin_shift kernels through mmcv's tin_shift."""
from __future__ import annotations

import torch


def _loop_shift(values, shift):
    n, t, c, _ = values.shape
    per_group = c // shift.shape[1]
    out = torch.zeros_like(values)
    for b in range(n):
        for ch in range(c):
            s = int(shift[b, ch // per_group])
            for frame in range(t):
                if 0 <= frame + s < t:
                    out[b, frame + s, ch] = values[b, frame, ch]
    return out


def test_forward_moves_each_channel_group_by_its_shift(mmcv_ops):
    x = torch.randn(2, 5, 6, 3)
    shift = torch.tensor([[1, -2, 0], [4, 7, -1]], dtype=torch.int32)
    torch.testing.assert_close(mmcv_ops.tin_shift(x, shift), _loop_shift(x, shift))


def test_backward_is_mmcvs_same_direction_shift(mmcv_ops):
    x = torch.randn(1, 4, 2, 1, requires_grad=True)
    shift = torch.tensor([[1, -1]], dtype=torch.int32)
    grad = torch.arange(1., 9.).view(1, 4, 2, 1)
    mmcv_ops.tin_shift(x, shift).backward(grad)
    # mmcv's kernel shifts the output gradient by +shift too (its tests assert this)
    torch.testing.assert_close(x.grad, _loop_shift(grad, shift))
    assert x.grad[0, :, 0, 0].tolist() == [0., 1., 3., 5.]
