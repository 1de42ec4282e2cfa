"""Our schedulers against MMEngine 0.10.7's, side by side, over a matrix of options.

Each case builds the same optimizer twice, the same schedulers on each (from
``mmengine.optim.scheduler`` and ``mmlightning.optim.scheduler``), then drives
both as MMEngine's ParamSchedulerHook does: iteration-based schedulers after
every iteration, epoch-based ones after every epoch, ``step(metrics)`` for
ReduceOnPlateau after every validation. Every lr / momentum / betas value of
every group must be **exactly** equal at every iteration (no tolerance: the
arithmetic is done in the same order).
"""
from __future__ import annotations

import math
from typing import Any

import pytest
import torch

import mmlightning.optim.scheduler as ours

mmengine = pytest.importorskip('mmengine')
theirs = pytest.importorskip('mmengine.optim.scheduler')
mmengine_optim = pytest.importorskip('mmengine.optim')

EPOCHS, EPOCH_LENGTH = 60, 5  # 300 iterations, 60 epochs

Spec = tuple[str, dict[str, Any]]


def make_optimizer(kind: str) -> Any:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(3)]
    if kind == 'adam':
        groups = [{'params': [params[0]]},
                  {'params': [params[1]], 'lr': 0.05, 'betas': (0.8, 0.99)},
                  {'params': [params[2]], 'lr': 0.2}]
        return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))
    groups = [{'params': [params[0]]},
              {'params': [params[1]], 'lr': 0.05, 'momentum': 0.8},
              {'params': [params[2]], 'lr': 0.2, 'weight_decay': 1e-3}]
    optimizer = torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=1e-4)
    if kind == 'wrapper':
        return mmengine_optim.OptimWrapper(optimizer)
    return optimizer


def metric(epoch: int) -> float:
    """A loss with plateaus and noise."""
    return 1.0 / (1 + epoch // 8) + 0.004 * math.sin(epoch * 1.7)


def snapshot(optimizer: Any) -> list[tuple]:
    keys = ('lr', 'momentum', 'betas', 'weight_decay')
    return [tuple(group.get(key) for key in keys) for group in optimizer.param_groups]


def build(module: Any, spec: Spec, optimizer: Any) -> Any:
    name, kwargs = spec
    kwargs = dict(kwargs)
    cls = getattr(module, name)
    if kwargs.pop('convert_to_iter_based', False):
        return cls.build_iter_from_epoch(optimizer, epoch_length=EPOCH_LENGTH, **kwargs)
    return cls(optimizer, **kwargs)


def drive(module: Any, specs: list[Spec], kind: str) -> tuple[list, list[dict]]:
    optimizer = make_optimizer(kind)
    schedulers = [build(module, spec, optimizer) for spec in specs]
    trace = []
    for epoch in range(EPOCHS):
        for _ in range(EPOCH_LENGTH):
            trace.append(snapshot(optimizer))
            optimizer.step()
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
        loss = metric(epoch)
        for scheduler in schedulers:
            if getattr(scheduler, 'need_val_args', False):
                scheduler.step({'loss': loss, 'acc': -loss})
    trace.append(snapshot(optimizer))
    return trace, [scheduler.state_dict() for scheduler in schedulers]


IT = {'by_epoch': False}
EP = {'by_epoch': True}
CONV = {'convert_to_iter_based': True}

LR_CASES: list[Spec] = [
    ('ConstantLR', {'factor': 0.5, 'end': 40, **IT}),
    ('ConstantLR', {'factor': 0.25, 'begin': 3, 'end': 20, **EP}),
    ('ConstantLR', {**IT}),
    ('ConstantLR', {'factor': 0.1, 'begin': 1, 'end': 9, **CONV}),
    ('CosineAnnealingLR', {'T_max': 100, 'eta_min': 1e-4, **IT}),
    ('CosineAnnealingLR', {'begin': 10, 'end': 250, 'eta_min_ratio': 0.01, **IT}),
    ('CosineAnnealingLR', {'begin': 5, 'end': 50, **EP}),
    ('CosineAnnealingLR', {'begin': 1, 'end': 40, **CONV}),
    ('CosineAnnealingLR', {'T_max': 20, 'eta_min': 1e-3, **CONV}),
    ('ExponentialLR', {'gamma': 0.99, **IT}),
    ('ExponentialLR', {'gamma': 0.9, 'begin': 2, 'end': 30, **EP}),
    ('ExponentialLR', {'gamma': 0.95, 'begin': 10, 'end': 40, **CONV}),
    ('LinearLR', {'start_factor': 0.001, 'end': 50, **IT}),
    ('LinearLR', {'start_factor': 0.1, 'end_factor': 0.5, 'begin': 10, 'end': 100, **IT}),
    ('LinearLR', {'start_factor': 0.2, 'end': 4, **CONV}),
    ('LinearLR', {'start_factor': 0.5, 'end': 10, **EP}),
    ('MultiStepLR', {'milestones': [30, 80, 80, 200], 'gamma': 0.5, **IT}),
    ('MultiStepLR', {'milestones': [10, 25, 40], **EP}),
    ('MultiStepLR', {'milestones': [5, 20], 'gamma': 0.3, 'begin': 2, **CONV}),
    ('StepLR', {'step_size': 25, 'gamma': 0.7, **IT}),
    ('StepLR', {'step_size': 7, 'begin': 3, 'end': 50, **EP}),
    ('StepLR', {'step_size': 4, 'gamma': 0.5, **CONV}),
    ('PolyLR', {'eta_min': 1e-5, 'power': 2.0, 'end': 250, **IT}),
    ('PolyLR', {'power': 0.5, 'begin': 20, 'end': 300, **IT}),
    ('PolyLR', {'power': 1.0, 'end': 40, **EP}),
    ('PolyLR', {'eta_min': 1e-4, 'end': 30, **CONV}),
    ('OneCycleLR', {'eta_max': 0.5, 'total_steps': 300, **IT}),
    ('OneCycleLR', {'eta_max': 0.5, 'end': 300, 'anneal_strategy': 'linear', **IT}),
    ('OneCycleLR', {'eta_max': 0.4, 'end': 300, 'three_phase': True, 'pct_start': 0.25, **IT}),
    ('OneCycleLR', {'eta_max': [0.5, 0.3, 0.2], 'div_factor': 10, 'final_div_factor': 100,
                    'begin': 20, 'end': 320, **IT}),
    ('OneCycleLR', {'eta_max': 0.3, 'end': 45, **EP}),
    ('OneCycleLR', {'eta_max': 0.3, 'total_steps': 50, 'end': 50, 'three_phase': True, **CONV}),
    ('CosineRestartLR', {'periods': [50, 100, 150], 'restart_weights': [1, 0.5, 0.25],
                         'eta_min': 1e-4, **IT}),
    ('CosineRestartLR', {'periods': [30, 30], 'restart_weights': [1, 1], 'eta_min_ratio': 0.1,
                         'begin': 10, **IT}),
    ('CosineRestartLR', {'periods': [10, 20], 'restart_weights': [1, 0.8], 'eta_min': 0.0,
                         **CONV}),
    ('CosineRestartLR', {'periods': [15, 25], 'restart_weights': [1, 0.5], 'eta_min': 0.0,
                         **EP}),
    ('ReduceOnPlateauLR', {'patience': 2, 'factor': 0.5}),
    ('ReduceOnPlateauLR', {'monitor': 'acc', 'rule': 'greater', 'threshold_rule': 'abs',
                           'threshold': 0.01, 'cooldown': 2, 'patience': 1}),
    ('ReduceOnPlateauLR', {'patience': 1, 'min_value': 0.01, 'begin': 5, 'end': 40}),
    ('ReduceOnPlateauLR', {'rule': 'less', 'threshold_rule': 'abs', 'threshold': 0.02,
                           'patience': 0, 'factor': 0.7, 'eps': 1e-3}),
    ('ReduceOnPlateauLR', {'monitor': 'acc', 'rule': 'greater', 'patience': 3,
                           'min_value': [0.05, 0.01, 0.1]}),
]

MOMENTUM_CASES: list[Spec] = [
    ('ConstantMomentum', {'factor': 0.5, 'end': 40, **IT}),
    ('CosineAnnealingMomentum', {'T_max': 80, 'eta_min': 0.5, **IT}),
    ('CosineAnnealingMomentum', {'begin': 2, 'end': 30, 'eta_min_ratio': 0.5, **CONV}),
    ('ExponentialMomentum', {'gamma': 0.99, 'end': 200, **IT}),
    ('LinearMomentum', {'start_factor': 0.5, 'end': 100, **IT}),
    ('MultiStepMomentum', {'milestones': [10, 30], 'gamma': 0.9, **EP}),
    ('StepMomentum', {'step_size': 40, 'gamma': 0.95, **IT}),
    ('PolyMomentum', {'eta_min': 0.5, 'power': 2.0, 'end': 200, **IT}),
    ('CosineRestartMomentum', {'periods': [100, 200], 'restart_weights': [1, 0.9],
                               'eta_min': 0.6, **IT}),
    ('ReduceOnPlateauMomentum', {'patience': 2, 'factor': 0.9}),
]

GENERIC_CASES: list[Spec] = [
    ('StepParamScheduler', {'param_name': 'weight_decay', 'step_size': 30, **IT}),
    ('LinearParamScheduler', {'param_name': 'lr', 'start_factor': 0.25, 'end': 60, **IT}),
    ('CosineAnnealingParamScheduler', {'param_name': 'weight_decay', 'eta_min': 0.0,
                                       'end': 40, **EP}),
    ('ReduceOnPlateauParamScheduler', {'param_name': 'weight_decay', 'patience': 1}),
]

CHAINS: list[list[Spec]] = [
    [('LinearLR', {'start_factor': 0.001, 'end': 50, **IT}),
     ('MultiStepLR', {'milestones': [20, 40], **EP})],
    [('LinearLR', {'start_factor': 0.01, 'end': 1, **CONV}),
     ('CosineAnnealingLR', {'begin': 1, 'end': 60, 'eta_min': 1e-5, **CONV}),
     ('CosineAnnealingMomentum', {'begin': 1, 'end': 60, 'eta_min': 0.85, **CONV})],
    [('ConstantLR', {'factor': 0.5, 'end': 100, **IT}),
     ('ExponentialLR', {'gamma': 0.995, 'begin': 50, **IT})],
    [('LinearLR', {'start_factor': 1e-3, 'end': 20, **IT}),
     ('PolyLR', {'power': 1.0, 'eta_min': 1e-4, 'begin': 20, 'end': 300, **IT})],
    [('OneCycleLR', {'eta_max': 0.2, 'total_steps': 300, **IT}),
     ('CosineAnnealingMomentum', {'T_max': 300, 'eta_min': 0.8, **IT})],
    [('LinearLR', {'start_factor': 0.1, 'end': 3, **EP}),
     ('ReduceOnPlateauLR', {'patience': 2, 'factor': 0.5, 'begin': 3})],
]


def _ids(specs: list[Spec]) -> str:
    return '+'.join(f'{name}{sorted(kwargs.items())}' for name, kwargs in specs)


def _assert_same(specs: list[Spec], kind: str) -> None:
    expected, their_states = drive(theirs, specs, kind)
    actual, our_states = drive(ours, specs, kind)
    assert len(actual) == EPOCHS * EPOCH_LENGTH + 1
    for step, (mine, ref) in enumerate(zip(actual, expected)):
        assert mine == ref, f'step {step}: {mine} != {ref}'
    # The states hold the same values, except those docs/schedulers.md lists.
    differ = {'anneal_func', 'anneal_strategy', 'rule_worse', 'best'}
    for mine, ref in zip(our_states, their_states):
        assert set(mine) - differ == set(ref) - differ
        for key in set(ref) - differ:
            assert mine[key] == ref[key], key


@pytest.mark.parametrize('spec', LR_CASES + GENERIC_CASES, ids=lambda s: _ids([s]))
def test_lr_and_generic_schedulers_match_mmengine(spec: Spec) -> None:
    _assert_same([spec], 'sgd')


@pytest.mark.parametrize('kind', ['sgd', 'adam'])
@pytest.mark.parametrize('spec', MOMENTUM_CASES, ids=lambda s: _ids([s]))
def test_momentum_schedulers_match_mmengine(spec: Spec, kind: str) -> None:
    _assert_same([spec], kind)


@pytest.mark.parametrize('specs', CHAINS, ids=_ids)
def test_chained_schedulers_match_mmengine(specs: list[Spec]) -> None:
    _assert_same(specs, 'sgd')


@pytest.mark.parametrize('specs', [
    [('LinearLR', {'start_factor': 0.001, 'end': 50, **IT}),
     ('MultiStepLR', {'milestones': [10, 25, 40], **EP})],
    [('OneCycleLR', {'eta_max': 0.5, 'total_steps': 300, **IT})],
    [('ReduceOnPlateauLR', {'monitor': 'acc', 'rule': 'greater', 'patience': 3,
                            'min_value': [0.05, 0.01, 0.1]})],
    [('CosineAnnealingMomentum', {'T_max': 80, 'eta_min': 0.5, **IT}),
     ('ReduceOnPlateauMomentum', {'patience': 2, 'factor': 0.9})],
], ids=_ids)
def test_schedulers_on_an_mmengine_optim_wrapper_match(specs: list[Spec]) -> None:
    """Duck-typed OptimWrapper: its param_groups carry an extra base-settings group."""
    _assert_same(specs, 'wrapper')


@pytest.mark.parametrize('spec', [
    ('OneCycleLR', {'eta_max': 0.5, 'total_steps': 300, 'anneal_strategy': 'linear', **IT}),
    ('CosineRestartLR', {'periods': [50, 100], 'restart_weights': [1, 0.5], 'eta_min': 0.0,
                         **IT}),
    ('MultiStepLR', {'milestones': [30, 80], **IT}),
], ids=lambda s: s[0])
def test_mmengine_state_dict_resumes_in_ours(spec: Spec) -> None:
    """A state saved by MMEngine mid-run, loaded into our scheduler, continues identically."""
    reference_opt = make_optimizer('sgd')
    reference = build(theirs, spec, reference_opt)
    for _ in range(97):
        reference_opt.step()
        reference.step()
    our_opt = make_optimizer('sgd')
    resumed = build(ours, spec, our_opt)
    our_opt.load_state_dict(reference_opt.state_dict())
    resumed.load_state_dict(reference.state_dict())
    for _ in range(150):
        reference_opt.step()
        reference.step()
        our_opt.step()
        resumed.step()
        assert snapshot(our_opt) == snapshot(reference_opt)


def test_every_mmengine_scheduler_is_registered_under_its_name() -> None:
    from mmlightning.registry import PARAM_SCHEDULERS

    for name in theirs.__all__:
        assert hasattr(ours, name), name
        if not name.startswith('_'):
            assert PARAM_SCHEDULERS.get(name) is getattr(ours, name), name
