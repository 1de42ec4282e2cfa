"""Several schedulers on one optimizer, and resuming any scheduler mid-run from its state."""
from __future__ import annotations

import io
import math
from typing import Any

import pytest
import torch

import mmlightning.optim.scheduler as schedulers
from mmlightning.registry import PARAM_SCHEDULERS

EPOCH_LENGTH = 4


def hook_steps(optimizer: Any, scheds: list[Any], epochs: int) -> list[float]:
    """Drive like MMEngine's ParamSchedulerHook; return group 0's lr at every iteration."""
    lrs = []
    for _ in range(epochs):
        for _ in range(EPOCH_LENGTH):
            lrs.append(optimizer.param_groups[0]['lr'])
            optimizer.step()
            for scheduler in scheds:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in scheds:
            if scheduler.by_epoch:
                scheduler.step()
    return lrs


def test_iter_warmup_then_epoch_milestones(optimizer):
    warmup = schedulers.LinearLR(optimizer, start_factor=0.1, end=6, by_epoch=False)
    decay = schedulers.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.5)
    lrs = hook_steps(optimizer, [warmup, decay], epochs=5)

    def expected(iteration: int) -> float:
        warm = 0.1 + 0.9 * min(iteration, 5) / 5
        epoch = iteration // EPOCH_LENGTH
        return 0.1 * warm * 0.5**sum(m <= epoch for m in (2, 4))

    assert lrs == pytest.approx([expected(i) for i in range(20)], rel=1e-12)


def test_warmup_and_cosine_built_from_configs_like_a_runner(optimizer):
    """`param_scheduler` list of a config, epoch-based, converted to iterations."""
    cfgs = [dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=5, eta_min=0.0,
                 convert_to_iter_based=True)]
    scheds = [PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optimizer,
                                                            epoch_length=EPOCH_LENGTH))
              for cfg in cfgs]
    assert all(not s.by_epoch for s in scheds)
    lrs = hook_steps(optimizer, scheds, epochs=5)
    warm = [0.1 * (0.01 + 0.99 * i / 3) for i in range(4)]
    cosine = [0.1 * (1 + math.cos(math.pi * i / 16)) / 2 for i in range(16)]
    assert lrs == pytest.approx(warm + cosine, rel=1e-12, abs=1e-15)


def test_lr_and_momentum_schedulers_on_one_adam(helpers):
    optimizer = helpers.adam()
    lr = schedulers.ExponentialLR(optimizer, gamma=0.5, by_epoch=False)
    momentum = schedulers.StepMomentum(optimizer, step_size=2, gamma=0.5, by_epoch=False)
    helpers.run(optimizer, [lr, momentum], 4)
    assert optimizer.param_groups[0]['lr'] == pytest.approx(0.1 * 0.5**4)
    assert optimizer.param_groups[0]['betas'] == pytest.approx((0.9 * 0.25, 0.999))


RESUMABLE = [
    ('ConstantLR', {'factor': 0.5, 'end': 20}),
    ('CosineAnnealingLR', {'end': 30, 'eta_min': 1e-3}),
    ('ExponentialLR', {'gamma': 0.9}),
    ('LinearLR', {'start_factor': 0.1, 'end': 15}),
    ('MultiStepLR', {'milestones': [5, 12, 25]}),
    ('StepLR', {'step_size': 4}),
    ('PolyLR', {'end': 30, 'power': 2.0}),
    ('OneCycleLR', {'eta_max': 0.5, 'total_steps': 30, 'anneal_strategy': 'linear'}),
    ('CosineRestartLR', {'periods': [10, 20], 'restart_weights': [1, 0.5], 'eta_min': 0.0}),
    ('CosineAnnealingMomentum', {'end': 30, 'eta_min': 0.5}),
    ('LinearParamScheduler', {'param_name': 'weight_decay', 'start_factor': 0.2, 'end': 10}),
]


def _save_and_load(state: dict[str, Any]) -> dict[str, Any]:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


@pytest.mark.parametrize('name, kwargs', RESUMABLE, ids=[case[0] for case in RESUMABLE])
@pytest.mark.parametrize('kind', ['sgd', 'adam'])
def test_state_dict_round_trip_mid_run(helpers, name, kwargs, kind):
    """Save at step 11 through torch.save/load(weights_only=True), resume, finish identically."""
    cls = getattr(schedulers, name)

    def build() -> tuple[Any, Any]:
        optimizer = getattr(helpers, kind)()
        for group in optimizer.param_groups:
            group['weight_decay'] = 1e-2
        return optimizer, cls(optimizer, by_epoch=False, **kwargs)

    reference_opt, reference = build()
    full = helpers.run(reference_opt, [reference], 25)
    interrupted_opt, interrupted = build()
    helpers.run(interrupted_opt, [interrupted], 11)
    optimizer_state = _save_and_load(interrupted_opt.state_dict())
    scheduler_state = _save_and_load(interrupted.state_dict())

    resumed_opt, resumed = build()
    resumed_opt.load_state_dict(optimizer_state)
    resumed.load_state_dict(scheduler_state)
    rest = helpers.run(resumed_opt, [resumed], 14)
    assert rest == full[11:]
    key = 'betas' if kind == 'adam' else 'momentum'
    assert helpers.values(resumed_opt, key) == helpers.values(reference_opt, key)


def test_reduce_on_plateau_state_round_trip(helpers):
    losses = [1.0, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]

    def feed(scheduler: Any, values: list[float]) -> None:
        for loss in values:
            scheduler.step()
            scheduler.step({'loss': loss})

    reference_opt = helpers.sgd()
    reference = schedulers.ReduceOnPlateauLR(reference_opt, patience=1, cooldown=1)
    feed(reference, losses)
    interrupted = schedulers.ReduceOnPlateauLR(helpers.sgd(), patience=1, cooldown=1)
    feed(interrupted, losses[:3])
    resumed_opt = helpers.sgd()
    resumed_opt.load_state_dict(_save_and_load(interrupted.optimizer.state_dict()))
    resumed = schedulers.ReduceOnPlateauLR(resumed_opt, patience=5)
    resumed.load_state_dict(_save_and_load(interrupted.state_dict()))
    feed(resumed, losses[3:])
    assert helpers.values(resumed_opt) == helpers.values(reference_opt) != [0.1, 0.05]
