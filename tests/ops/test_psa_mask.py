"""psamask kernels through mmcv's PSAMask, against PSANet's definition written as loops."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck


def _loop_reference(mask, psa_type, h_mask, w_mask):
    """For every pair of pixels, the mask entry (if any) that links them."""
    n, _, h, w = mask.shape
    out = mask.new_zeros(n, h * w, h, w)
    for centre in range(h * w):
        y, x = divmod(centre, w)
        for other in range(h * w):
            i = other // w - y + (h_mask - 1) // 2
            j = other % w - x + (w_mask - 1) // 2
            if 0 <= i < h_mask and 0 <= j < w_mask:
                value = mask[:, i * w_mask + j, y, x]
                if psa_type == 'collect':
                    out[:, other, y, x] = value
                else:
                    out[:, centre, other // w, other % w] = value
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
