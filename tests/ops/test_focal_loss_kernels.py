"""Sigmoid / softmax focal loss kernels: loops, the reductions of mmcv's wrappers, gradcheck."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from mmlightning.ops import focal_loss as kernels


def _logits(seed: int = 0, shape=(6, 4)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.double) * 2


TARGET = torch.tensor([0, 3, 1, 4, 2, 1])  # 4 == num_classes: a background sample


def test_sigmoid_forward_matches_the_loop(reference):
    logits = _logits()
    out = torch.empty_like(logits)
    kernels.sigmoid_focal_loss_forward(logits, TARGET, logits.new_empty(0), out, gamma=2.0,
                                       alpha=0.25)
    torch.testing.assert_close(out, reference.sigmoid_focal_loss(logits, TARGET, 2.0, 0.25))


def test_sigmoid_by_hand():
    # x = 0: p = 0.5; positive -0.25 * 0.25 * log 0.5, negative -0.75 * 0.25 * log 0.5
    out = torch.empty(1, 2, dtype=torch.double)
    kernels.sigmoid_focal_loss_forward(torch.zeros(1, 2, dtype=torch.double), torch.tensor([1]),
                                       torch.empty(0, dtype=torch.double), out)
    log_half = torch.log(torch.tensor(0.5, dtype=torch.double))
    torch.testing.assert_close(out[0], torch.stack((-0.75 * 0.25 * log_half,
                                                    -0.25 * 0.25 * log_half)))


def test_softmax_forward_matches_the_loop(reference):
    logits = _logits(1)
    target = TARGET.clamp(max=3)
    out = logits.new_empty(6)
    kernels.softmax_focal_loss_forward(logits.softmax(1), target, logits.new_empty(0), out,
                                       gamma=1.5, alpha=0.5)
    torch.testing.assert_close(out, reference.softmax_focal_loss(logits, target, 1.5, 0.5))


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
@pytest.mark.parametrize('weighted', [False, True])
def test_sigmoid_gradcheck_through_mmcv(mmcv_ops, reduction, weighted):
    logits = _logits(2).requires_grad_()
    target = TARGET.clamp(max=3) if weighted else TARGET
    weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.double) if weighted else None
    assert gradcheck(lambda x: mmcv_ops.sigmoid_focal_loss(x, target, 2.0, 0.25, weight,
                                                           reduction), (logits,))


# mmcv's SoftmaxFocalLossFunction.backward multiplies the (N, C) gradient by the (N,) one of
# reduction='none', which does not broadcast: only the reduced losses have a backward in mmcv.
@pytest.mark.parametrize('reduction', ['mean', 'sum'])
@pytest.mark.parametrize('weighted', [False, True])
def test_softmax_gradcheck_through_mmcv(mmcv_ops, reduction, weighted):
    logits = _logits(3).requires_grad_()
    target = TARGET.clamp(max=3)
    weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.double) if weighted else None
    assert gradcheck(lambda x: mmcv_ops.softmax_focal_loss(x, target, 2.0, 0.25, weight,
                                                           reduction), (logits,))


def test_weights_scale_each_sample_by_its_target_class(mmcv_ops):
    logits = _logits(4)
    target = TARGET.clamp(max=3)
    weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.double)
    plain = mmcv_ops.sigmoid_focal_loss(logits, target, 2.0, 0.25, None, 'none')
    scaled = mmcv_ops.sigmoid_focal_loss(logits, target, 2.0, 0.25, weight, 'none')
    torch.testing.assert_close(scaled, plain * weight[target][:, None])
    assert mmcv_ops.sigmoid_focal_loss(logits, target, 2.0, 0.25, None, 'mean').item() == \
        pytest.approx(plain.sum().item() / 6)


def test_a_weight_without_the_target_class_is_an_error():
    out = torch.empty(6, 4, dtype=torch.double)
    with pytest.raises(IndexError, match=r'outside \[0, 4\)'):
        kernels.sigmoid_focal_loss_forward(_logits(), TARGET, torch.ones(4, dtype=torch.double),
                                           out)


def test_half_inputs_compute_in_float():
    logits = _logits(5).half()
    out = torch.empty_like(logits)
    kernels.sigmoid_focal_loss_forward(logits, TARGET, logits.new_empty(0), out)
    expected = torch.empty(6, 4)
    kernels.sigmoid_focal_loss_forward(logits.float(), TARGET, torch.empty(0), expected)
    torch.testing.assert_close(out.float(), expected, rtol=1e-3, atol=1e-3)
