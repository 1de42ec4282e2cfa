"""OneCycle and ReduceOnPlateau against PyTorch's own OneCycleLR / ReduceLROnPlateau."""
from __future__ import annotations

import math

import pytest
import torch

from mmlightning.optim.scheduler import OneCycleLR, OneCycleParamScheduler, ReduceOnPlateauLR


@pytest.mark.parametrize('kwargs', [
    {},
    {'anneal_strategy': 'linear'},
    {'three_phase': True, 'pct_start': 0.25},
    {'div_factor': 10.0, 'final_div_factor': 100.0, 'pct_start': 0.4},
])
def test_one_cycle_matches_torch(helpers, kwargs):
    total = 40
    ours_opt, torch_opt = helpers.sgd(), helpers.sgd()
    ours = OneCycleLR(ours_opt, eta_max=[0.5, 0.2], total_steps=total, by_epoch=False, **kwargs)
    reference = torch.optim.lr_scheduler.OneCycleLR(
        torch_opt, max_lr=[0.5, 0.2], total_steps=total, cycle_momentum=False, **kwargs)
    for _ in range(total - 1):
        assert helpers.values(ours_opt) == pytest.approx(helpers.values(torch_opt), rel=1e-12)
        for optimizer, scheduler in ((ours_opt, ours), (torch_opt, reference)):
            optimizer.step()
            scheduler.step()
    assert helpers.values(ours_opt) == pytest.approx(helpers.values(torch_opt), rel=1e-12)


def test_one_cycle_takes_total_steps_from_begin_end(helpers):
    optimizer = helpers.sgd()
    scheduler = OneCycleLR(optimizer, eta_max=1.0, begin=2, end=12, anneal_strategy='linear')
    assert scheduler.total_steps == 10
    trace = helpers.run(optimizer, [scheduler], 12)
    assert trace[0] == [0.1, 0.05]  # before begin the value is untouched
    assert trace[2] == [0.04, 0.04] and trace[4] == pytest.approx([1.0, 1.0])
    assert trace[11] == pytest.approx([0.04 / 1e4] * 2)


def test_one_cycle_state_is_plain_data_and_accepts_mmengine_anneal_func(helpers):
    scheduler = OneCycleLR(helpers.sgd(), eta_max=1.0, total_steps=10, anneal_strategy='linear')
    state = scheduler.state_dict()
    assert state['anneal_strategy'] == 'linear'
    assert not any(callable(value) for value in state.values())
    del state['anneal_strategy']
    scheduler.load_state_dict(dict(state, anneal_func=_annealing_cos))
    assert scheduler.anneal_strategy == 'cos' and 'anneal_func' not in scheduler.__dict__


def _annealing_cos(start: float, end: float, pct: float) -> float:
    """Stands in for MMEngine's ``OneCycleParamScheduler._annealing_cos``."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


@pytest.mark.parametrize('kwargs, match', [
    ({'param_name': 'momentum', 'total_steps': 5},
     'OneCycle only works for learning rate updating'),
    ({'param_name': 'lr'}, 'give total_steps or a finite end'),
    ({'param_name': 'lr', 'total_steps': 0}, 'positive integer total_steps, got 0'),
    ({'param_name': 'lr', 'total_steps': 2.5}, 'positive integer total_steps, got 2.5'),
    ({'param_name': 'lr', 'total_steps': 5, 'pct_start': 1.5}, 'pct_start between 0 and 1'),
    ({'param_name': 'lr', 'total_steps': 5, 'anneal_strategy': 'exp'}, "got 'exp'"),
    ({'param_name': 'lr', 'total_steps': 5, 'eta_max': [1.0]}, 'expected 2 values for max_lr'),
])
def test_one_cycle_rejects_bad_options(helpers, kwargs, match):
    with pytest.raises(ValueError, match=match):
        OneCycleParamScheduler(helpers.sgd(), **kwargs)


def test_one_cycle_refuses_to_step_past_total_steps(helpers):
    optimizer = helpers.sgd()
    scheduler = OneCycleLR(optimizer, eta_max=1.0, total_steps=3)
    helpers.run(optimizer, [scheduler], 3)
    optimizer.step()
    with pytest.raises(ValueError, match='Tried to step 5 times.*total steps is 3'):
        scheduler.step()


LOSSES = [1.0, 0.9, 0.9, 0.91, 0.9, 0.95, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.6, 0.6, 0.6, 0.6, 0.6]


@pytest.mark.parametrize('kwargs', [
    {'patience': 1},
    {'patience': 0, 'cooldown': 2, 'factor': 0.5},
    {'threshold_rule': 'abs', 'threshold': 0.05, 'patience': 1, 'min_value': 0.02},
    {'rule': 'greater', 'patience': 1, 'threshold': 0.01},
    {'rule': 'greater', 'threshold_rule': 'abs', 'patience': 0, 'eps': 0.02},
])
def test_reduce_on_plateau_matches_torch(helpers, kwargs):
    ours_opt, torch_opt = helpers.sgd(), helpers.sgd()
    ours = ReduceOnPlateauLR(ours_opt, **kwargs)
    names = {'rule': 'mode', 'threshold_rule': 'threshold_mode', 'min_value': 'min_lr'}
    torch_kwargs = {names.get(key, key): value for key, value in kwargs.items()}
    torch_kwargs['mode'] = {'less': 'min', 'greater': 'max'}[kwargs.get('rule', 'less')]
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **torch_kwargs)
    sign = -1 if kwargs.get('rule') == 'greater' else 1
    for loss in LOSSES:
        ours.step()  # after the training epoch: only counts
        ours.step({'loss': sign * loss})
        reference.step(sign * loss)
        assert helpers.values(ours_opt) == pytest.approx(helpers.values(torch_opt), rel=1e-12)
    assert helpers.values(ours_opt) != [0.1, 0.05]


def test_reduce_on_plateau_watches_only_between_begin_and_end(helpers):
    optimizer = helpers.sgd()
    scheduler = ReduceOnPlateauLR(optimizer, patience=0, factor=0.5, begin=2, end=4)
    assert scheduler.need_val_args is True
    lrs = []
    for _ in range(6):
        scheduler.step({'loss': 1.0})
        scheduler.step()
        lrs.append(helpers.values(optimizer)[0])
    # epochs 0-1 ignored; epoch 2 sets the best; epoch 3 reduces; from epoch 4 on, ignored
    assert lrs == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05]
    assert scheduler.get_last_value() == [0.05, 0.025]


def test_reduce_on_plateau_accepts_tensor_metrics(helpers):
    optimizer = helpers.sgd()
    scheduler = ReduceOnPlateauLR(optimizer, patience=0)
    scheduler.step({'loss': torch.tensor(1.0)})
    scheduler.step({'loss': torch.tensor(2.0)})
    assert helpers.values(optimizer) == pytest.approx([0.01, 0.005])
    assert scheduler.best == 1.0 and isinstance(scheduler.best, float)


@pytest.mark.parametrize('kwargs, match', [
    ({'by_epoch': False}, 'only support by_epoch=True'),
    ({'factor': 1.0}, 'factor should be < 1.0, got 1.0'),
    ({'threshold': -1.0}, 'threshold -1.0 should be >= 0'),
    ({'rule': 'lower'}, "rule 'lower' is unknown"),
    ({'threshold_rule': 'relative'}, "threshold_rule 'relative' is unknown"),
    ({'min_value': [0.1]}, 'expected 2 min_values'),
])
def test_reduce_on_plateau_rejects_bad_options(helpers, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReduceOnPlateauLR(helpers.sgd(), **kwargs)


def test_reduce_on_plateau_rejects_bad_metrics(helpers):
    scheduler = ReduceOnPlateauLR(helpers.sgd(), monitor='acc')
    with pytest.raises(TypeError, match='metrics should be a dict, got list'):
        scheduler.step([0.5])
    with pytest.raises(KeyError, match=r"monitor='acc' is not among the metrics \['loss'\]"):
        scheduler.step({'loss': 0.5})
