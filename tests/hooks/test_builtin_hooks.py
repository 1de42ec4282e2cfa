"""ParamSchedulerHook and DistSamplerSeedHook on a fake runner."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from mmlightning.dataset import DefaultSampler
from mmlightning.hooks import DistSamplerSeedHook, ParamSchedulerHook
from mmlightning.optim.scheduler import MultiStepLR, ReduceOnPlateauLR, StepLR


def schedulers():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    return dict(iter=StepLR(optimizer, step_size=1, gamma=0.5, by_epoch=False),
                epoch=MultiStepLR(optimizer, milestones=[1], by_epoch=True),
                plateau=ReduceOnPlateauLR(optimizer, monitor='acc', rule='greater',
                                          patience=0, by_epoch=True))


def test_param_scheduler_hook_steps_each_kind_at_its_point() -> None:
    found = schedulers()
    runner = SimpleNamespace(param_schedulers=list(found.values()))
    hook = ParamSchedulerHook()
    start = [s.last_step for s in found.values()]
    hook.after_train_iter(runner, 0)
    assert [s.last_step - s0 for s, s0 in zip(found.values(), start)] == [1, 0, 0]
    hook.after_train_epoch(runner)
    after_epoch = [s.last_step for s in found.values()]
    assert [s - s0 for s, s0 in zip(after_epoch, start)][:2] == [1, 1]
    hook.after_val_epoch(runner, metrics=None)
    assert found['plateau'].last_step == after_epoch[2]
    hook.after_val_epoch(runner, metrics=dict(acc=0.5))
    assert found['plateau'].last_step == after_epoch[2] + 1
    runner = SimpleNamespace(param_schedulers=dict(gen=[found['iter']], disc=[]))
    hook.after_train_iter(runner, 1)
    assert found['iter'].last_step == 2
    hook.after_train_iter(SimpleNamespace(param_schedulers=None), 1)
    with pytest.raises(TypeError, match='runner.param_schedulers should be list of ParamScheduler'):
        hook.after_train_iter(SimpleNamespace(param_schedulers=3), 1)


def test_sampler_seed_hook_sets_epoch() -> None:
    sampler = DefaultSampler(list(range(4)), shuffle=True, seed=0)
    loader = torch.utils.data.DataLoader(list(range(4)), sampler=sampler)
    DistSamplerSeedHook().before_train_epoch(
        SimpleNamespace(epoch=3, train_loop=SimpleNamespace(dataloader=loader)))
    assert sampler.epoch == 3
