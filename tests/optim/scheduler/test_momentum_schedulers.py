"""Momentum schedulers: SGD ``momentum`` and the Adam family's ``betas[0]``."""
from __future__ import annotations

import math

import pytest
import torch

from mmlightning.optim.scheduler import (
    ConstantMomentum,
    CosineAnnealingMomentum,
    CosineRestartMomentum,
    ExponentialMomentum,
    LinearMomentum,
    MultiStepMomentum,
    PolyMomentum,
    ReduceOnPlateauMomentum,
    StepMomentum,
)

MOMENTA = (0.9, 0.8)


def test_linear_momentum_on_sgd(helpers):
    optimizer = helpers.sgd()
    scheduler = LinearMomentum(optimizer, start_factor=0.5, end=5)
    trace = helpers.run(optimizer, [scheduler], 7, key='momentum')
    helpers.assert_trace(trace, lambda t, b: b * (0.5 + 0.5 * min(t, 4) / 4), bases=MOMENTA)
    assert scheduler.use_betas is False
    assert [group['lr'] for group in optimizer.param_groups] == [0.1, 0.05]


def test_cosine_momentum_moves_adam_beta1_and_keeps_beta2(helpers):
    optimizer = helpers.adam()
    scheduler = CosineAnnealingMomentum(optimizer, eta_min=0.5, end=10, by_epoch=False)
    assert scheduler.use_betas is True
    trace = helpers.run(optimizer, [scheduler], 12, key='betas')

    def beta1(t, b):
        return 0.5 + (b - 0.5) * (1 + math.cos(math.pi * min(t, 9) / 10)) / 2

    helpers.assert_trace([[betas[0] for betas in row] for row in trace], beta1, bases=MOMENTA)
    assert all([betas[1] for betas in row] == [0.999, 0.99] for row in trace)
    assert [group['momentum'] for group in optimizer.param_groups] == \
        [group['betas'][0] for group in optimizer.param_groups]


@pytest.mark.parametrize('cls, kwargs, expected', [
    (ConstantMomentum, {'factor': 0.5, 'end': 3}, lambda t, b: b * 0.5 if t < 2 else b),
    (ExponentialMomentum, {'gamma': 0.9}, lambda t, b: b * 0.9**t),
    (MultiStepMomentum, {'milestones': [2], 'gamma': 0.5}, lambda t, b: b * (0.5 if t >= 2 else 1)),
    (StepMomentum, {'step_size': 2, 'gamma': 0.5}, lambda t, b: b * 0.5**(t // 2)),
    (PolyMomentum, {'end': 6}, lambda t, b: b * (5 - min(t, 5)) / 5),
    (CosineRestartMomentum, {'periods': [4], 'eta_min': 0.0},
     lambda t, b: b * (1 + math.cos(math.pi * min(t, 3) / 4)) / 2),
])
@pytest.mark.parametrize('make', ['sgd', 'adam'])
def test_each_momentum_scheduler(helpers, make, cls, kwargs, expected):
    optimizer = getattr(helpers, make)()
    trace = helpers.run(optimizer, [cls(optimizer, **kwargs)], 6, key='momentum')
    helpers.assert_trace(trace, expected, bases=MOMENTA)
    if make == 'adam':
        assert [group['betas'][0] for group in optimizer.param_groups] == trace[-1]


def test_reduce_on_plateau_momentum_updates_betas(helpers):
    optimizer = helpers.adam()
    scheduler = ReduceOnPlateauMomentum(optimizer, patience=0, factor=0.5)
    scheduler.step({'loss': 1.0})
    scheduler.step({'loss': 1.0})
    assert [group['betas'] for group in optimizer.param_groups] == [(0.45, 0.999), (0.4, 0.99)]


def test_optimizer_without_momentum_is_rejected():
    optimizer = torch.optim.Adagrad([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=r'must support momentum .*; '
                                         r'Adagrad has neither `momentum` nor `betas`'):
        StepMomentum(optimizer, step_size=1)


def test_momentum_mixin_rejects_non_optimizers():
    with pytest.raises(TypeError, match='StepMomentum: ``optimizer`` should be an Optimizer'):
        StepMomentum('sgd', step_size=1)
