"""sync_bn kernels through mmcv's SyncBatchNorm: one process, and two gloo ranks."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F


def _batch():
    gen = torch.Generator().manual_seed(3)
    return torch.randn(8, 3, 4, 5, generator=gen) * 2 + 1, torch.randn(8, 3, 4, 5, generator=gen)


def _reference(x, grad, weight, bias):
    """torch's batch norm (training) of ``x``: output, grads, running stats after one step."""
    leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    running_mean, running_var = torch.zeros(3), torch.ones(3)
    out = F.batch_norm(leaves[0], running_mean, running_var, leaves[1], leaves[2], training=True,
                       momentum=0.1, eps=1e-5)
    out.backward(grad)
    return out.detach(), [t.grad for t in leaves], running_mean, running_var


@pytest.mark.parametrize('stats_mode', ['default', 'N'])
def test_one_process_is_batch_norm(mmcv_ops, stats_mode):
    from mmcv.ops.sync_bn import SyncBatchNormFunction

    x, grad = _batch()
    weight, bias = torch.rand(3), torch.randn(3)
    leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    running_mean, running_var = torch.zeros(3), torch.ones(3)
    out = SyncBatchNormFunction.apply(leaves[0], running_mean, running_var, leaves[1], leaves[2],
                                      0.1, 1e-5, None, 1, stats_mode)
    out.backward(grad)
    ref_out, ref_grads, ref_mean, ref_var = _reference(x, grad, weight, bias)
    torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
    for got, expected in zip(leaves, ref_grads):
        torch.testing.assert_close(got.grad, expected, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(running_mean, ref_mean)
    torch.testing.assert_close(running_var, ref_var)


def _two_rank_step(rank: int, workdir: Path) -> dict:
    import mmcv.ops

    x, grad = _batch()
    bn = mmcv.ops.SyncBatchNorm(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
        bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    part = slice(4 * rank, 4 * rank + 4)
    local = x[part].clone().requires_grad_()
    out = bn(local)
    out.backward(grad[part])
    return {'out': out.detach(), 'grad_x': local.grad, 'grad_w': bn.weight.grad,
            'grad_b': bn.bias.grad, 'mean': bn.running_mean, 'var': bn.running_var}


def test_two_ranks_normalise_with_the_statistics_of_both(mmcv_ops, run_two_ranks):
    results = run_two_ranks(_two_rank_step)
    x, grad = _batch()
    ref_out, (ref_gx, ref_gw, ref_gb), ref_mean, ref_var = _reference(
        x, grad, torch.tensor([0.5, 1.0, 2.0]), torch.tensor([0.1, -0.2, 0.3]))
    torch.testing.assert_close(torch.cat([r['out'] for r in results]), ref_out, rtol=1e-5,
                               atol=1e-5)
    torch.testing.assert_close(torch.cat([r['grad_x'] for r in results]), ref_gx, rtol=1e-4,
                               atol=1e-5)
    for r in results:
        # mmcv averages the parameter gradients over the group (as DDP would)
        torch.testing.assert_close(r['grad_w'], ref_gw / 2, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(r['grad_b'], ref_gb / 2, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(r['mean'], ref_mean)
        torch.testing.assert_close(r['var'], ref_var)
