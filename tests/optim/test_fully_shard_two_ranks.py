"""OptimWrapper semantics on a model sharded by torch's ``fully_shard`` (FSDP2), 2 gloo ranks.

Lightning's FSDP strategy needs CUDA; on the CPU the same sharded parameters (DTensors) come from
``torch.distributed.fsdp.fully_shard``. Each rank trains on its half of every batch; the weights
after training must equal a single-process run on the whole batches: gradient accumulation with
reduction held back, clipping by the global norm over all shards, ``paramwise_cfg`` groups on
the sharded parameters, and a param scheduler.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from mmlightning.logging import MessageHub
from mmlightning.optim import build_optim_wrapper
from mmlightning.optim.scheduler import MultiStepLR

fsdp = pytest.importorskip('torch.distributed.fsdp')
if not hasattr(fsdp, 'fully_shard'):
    pytest.skip('torch.distributed.fsdp.fully_shard needs torch >= 2.6', allow_module_level=True)

STEPS, BATCH = 8, 4
OPTIM_CFG = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.5, momentum=0.9),
                 accumulative_counts=2, clip_grad=dict(max_norm=0.05),
                 paramwise_cfg=dict(bias_lr_mult=2.0, custom_keys={'2.': dict(lr_mult=0.5)}))


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


def _batches() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return (torch.randn(STEPS, BATCH, 8, generator=generator),
            torch.randint(0, 4, (STEPS, BATCH), generator=generator))


def _train(model: nn.Module, rank: int, world_size: int) -> dict:
    """Train on this rank's share of each batch; return grad norms and what no_sync held back."""
    optim_wrapper = build_optim_wrapper(model, OPTIM_CFG)
    optim_wrapper.initialize_count_status(model, 0, STEPS)
    scheduler = MultiStepLR(optim_wrapper, milestones=[2], gamma=0.1, by_epoch=False)
    hub = MessageHub.get_current_instance()
    inputs, labels = _batches()
    grads_held_back = []
    for step in range(STEPS):
        syncs = optim_wrapper.should_sync()
        with optim_wrapper.optim_context(model):
            loss = nn.functional.cross_entropy(model(inputs[step][rank::world_size]),
                                               labels[step][rank::world_size])
        optim_wrapper.backward(optim_wrapper.scale_loss(loss))
        if not syncs:  # the sharded gradients stay empty until the window's last backward
            grads_held_back.append(all(param.grad is None for param in model.parameters()))
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()
            scheduler.step()
    norms = [float(value) for value in hub.get_scalar('train/grad_norm').data[0]]
    return {'norms': norms, 'grads_held_back': grads_held_back,
            'lrs': [group['lr'] for group in optim_wrapper.param_groups]}


def _full_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.full_tensor() if hasattr(value, 'full_tensor') else value
            for key, value in model.state_dict().items()}


def _sharded_run(rank: int, workdir: Path) -> dict:
    model = _model()
    for layer in model:
        if isinstance(layer, nn.Linear):
            fsdp.fully_shard(layer)
    fsdp.fully_shard(model)
    result = _train(model, rank, world_size=2)
    result['state'] = _full_state(model)
    result['local_numel'] = sum(param.to_local().numel() for param in model.parameters())
    return result


def test_sharded_training_equals_one_process(run_two_ranks) -> None:
    ranks = run_two_ranks(_sharded_run)
    MessageHub._instance_dict.clear()
    reference_model = _model()
    reference = _train(reference_model, rank=0, world_size=1)

    total = sum(param.numel() for param in reference_model.parameters())
    assert [rank['local_numel'] for rank in ranks] != [total, total]  # really sharded
    assert ranks[0]['grads_held_back'] == ranks[1]['grads_held_back'] == [True] * (STEPS // 2)
    for rank in ranks:
        # the clipped norm is the global one (a per-shard norm would be smaller) ...
        assert rank['norms'] == pytest.approx(reference['norms'], rel=1e-5)
        assert rank['lrs'] == pytest.approx(reference['lrs'])
        # ... so the weights after clipping, accumulation and the schedule are the same
        for key, value in reference_model.state_dict().items():
            torch.testing.assert_close(rank['state'][key], value, rtol=1e-5, atol=1e-6)
    assert min(reference['norms']) > OPTIM_CFG['clip_grad']['max_norm']  # clipping was active
    # lr 0.5 x 0.1 after the milestone; biases x2; custom key '2.' x0.5 (wins over bias_lr_mult)
    assert sorted({round(lr, 8) for lr in reference['lrs']}) == [0.025, 0.05, 0.1]
