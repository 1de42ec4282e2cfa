"""psamask kernels through mmcv's PSAMask, against PSANet's definition written as loops."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck


def _loop_reference(mask, psa_type, h_mask, w_mask):
    n, _, h, w = mask.shape
    out = mask.new_zeros(n, h * w, h, w)
    for y in range(h):
        for x in range(w):
            for i in range(h_mask):
                for j in range(w_mask):
                    yy, xx = y + i - (h_mask - 1) // 2, x + j - (w_mask - 1) // 2
                    if 0 <= yy < h and 0 <= xx < w:
                        value = mask[:, i * w_mask + j, y, x]
                        if psa_type == 'collect':
                            out[:, yy * w + xx, y, x] = value
                        else:
                            out[:, y * w + x, yy, xx] = value
    return out


@pytest.mark.parametrize('psa_type', ['collect', 'distribute'])
@pytest.mark.parametrize('h_mask,w_mask', [(3, 3), (5, 3), (4, 4)])
def test_matches_the_loop_reference(mmcv_ops, psa_type, h_mask, w_mask):
    mask = torch.randn(2, h_mask * w_mask, 4, 5)
    out = mmcv_ops.PSAMask(psa_type, (h_mask, w_mask))(mask)
    torch.testing.assert_close(out, _loop_reference(mask, psa_type, h_mask, w_mask))


@pytest.mark.parametrize('psa_type', ['collect', 'distribute'])
def test_gradcheck(mmcv_ops, psa_type):
    mask = torch.randn(2, 9, 3, 4, dtype=torch.double, requires_grad=True)
    assert gradcheck(mmcv_ops.PSAMask(psa_type, (3, 3)), (mask,), eps=1e-6, atol=1e-6,
                     fast_mode=True)
