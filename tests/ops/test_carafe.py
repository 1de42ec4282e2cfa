"""carafe kernels through mmcv's CARAFE and CARAFENaive, against a Python-loop reference."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from mmlightning.ops.carafe import carafe_naive_backward


def _loop_reference(features, masks, k, groups, scale):
    n, c, h, w = features.shape
    out = features.new_zeros(n, c, h * scale, w * scale)
    r = (k - 1) // 2
    for ph in range(h * scale):
        for pw in range(w * scale):
            for i in range(k):
                for j in range(k):
                    y, x = ph // scale + i - r, pw // scale + j - r
                    if 0 <= y < h and 0 <= x < w:
                        for ch in range(c):
                            g = ch // (c // groups)
                            out[:, ch, ph, pw] += (features[:, ch, y, x]
                                                   * masks[:, (g * k + i) * k + j, ph, pw])
    return out


def _inputs(n=2, c=4, h=3, w=4, k=3, groups=2, scale=2, dtype=torch.double):
    gen = torch.Generator().manual_seed(2)
    features = torch.randn(n, c, h, w, generator=gen, dtype=dtype)
    masks = torch.rand(n, k * k * groups, h * scale, w * scale, generator=gen, dtype=dtype)
    return features, masks


@pytest.mark.parametrize('k,groups,scale', [(3, 2, 2), (5, 1, 3), (1, 4, 1)])
def test_carafe_matches_the_loop_reference(mmcv_ops, k, groups, scale):
    features, masks = _inputs(k=k, groups=groups, scale=scale)
    expected = _loop_reference(features, masks, k, groups, scale)
    torch.testing.assert_close(mmcv_ops.CARAFE(k, groups, scale)(features, masks), expected)
    torch.testing.assert_close(mmcv_ops.CARAFENaive(k, groups, scale)(features, masks), expected)


def test_carafe_gradcheck(mmcv_ops):
    features, masks = _inputs(n=1, h=2, w=3)
    leaves = [features.requires_grad_(), masks.requires_grad_()]
    assert gradcheck(mmcv_ops.CARAFE(3, 2, 2), leaves, eps=1e-6, atol=1e-6, fast_mode=True)


def test_naive_backward_kernel_gives_carafes_gradients(mmcv_ops):
    features, masks = _inputs()
    grad = torch.randn(2, 4, 6, 8, dtype=torch.double)
    leaves = [features.clone().requires_grad_(), masks.clone().requires_grad_()]
    mmcv_ops.CARAFE(3, 2, 2)(*leaves).backward(grad)
    grad_features, grad_masks = torch.zeros_like(features), torch.zeros_like(masks)
    carafe_naive_backward(grad, features, masks, grad_features, grad_masks, kernel_size=3,
                          group_size=2, scale_factor=2)
    torch.testing.assert_close(grad_features, leaves[0].grad)
    torch.testing.assert_close(grad_masks, leaves[1].grad)
