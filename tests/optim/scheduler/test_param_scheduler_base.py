"""``_ParamScheduler`` behaviour shared by every scheduler: window, resume, errors, building."""
from __future__ import annotations

import inspect
import logging
import warnings
from collections import Counter

import pytest
import torch

from mmlightning.optim.scheduler import (
    ConstantLR,
    ExponentialLR,
    LinearParamScheduler,
    MultiStepLR,
    ReduceOnPlateauLR,
    StepLR,
    StepParamScheduler,
    _ParamScheduler,
)
from mmlightning.optim.scheduler.param_scheduler import INF
from mmlightning.registry import PARAM_SCHEDULERS


class FakeOptimWrapper:
    """What the scheduler needs of an OptimWrapper: param_groups, optimizer, step."""

    def __init__(self, optimizer: torch.optim.Optimizer):
        self.optimizer = optimizer
        self.steps = 0

    @property
    def param_groups(self) -> list[dict]:
        return self.optimizer.param_groups

    def step(self) -> None:
        self.steps += 1
        self.optimizer.step()


def test_constructor_records_initial_values_and_applies_step_zero(helpers, optimizer):
    scheduler = StepParamScheduler(optimizer, 'lr', step_size=2, gamma=0.5, by_epoch=False)
    assert [group['initial_lr'] for group in optimizer.param_groups] == list(helpers.BASE_LRS)
    assert scheduler.base_values == list(helpers.BASE_LRS)
    assert (scheduler.last_step, scheduler._global_step) == (0, 0)
    assert scheduler.get_last_value() == list(helpers.BASE_LRS)


def test_values_change_only_inside_begin_end(helpers, optimizer):
    trace = helpers.run(optimizer, [ExponentialLR(optimizer, gamma=0.5, begin=2, end=5)], 8)
    assert [row[0] for row in trace] == [0.1, 0.1, 0.1, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025]


def test_generic_scheduler_schedules_any_group_key(helpers):
    optimizer = helpers.sgd()
    for group in optimizer.param_groups:
        group['weight_decay'] = 1e-2
    trace = helpers.run(optimizer, [StepParamScheduler(optimizer, 'weight_decay', step_size=2)], 4,
                key='weight_decay')
    assert [row[0] for row in trace] == pytest.approx([1e-2, 1e-2, 1e-3, 1e-3, 1e-4])
    assert helpers.values(optimizer) == list(helpers.BASE_LRS)


def test_resume_with_last_step_continues_the_schedule(helpers, optimizer):
    for group in optimizer.param_groups:
        group['initial_lr'] = group['lr']
    scheduler = StepLR(optimizer, step_size=3, gamma=0.5, last_step=1)
    assert scheduler.last_step == 2
    optimizer.step()
    scheduler.step()
    assert helpers.values(optimizer) == [0.05, 0.025]


def test_verbose_logs_each_update(optimizer, caplog):
    with caplog.at_level(logging.INFO, logger='mmlightning.optim.scheduler'):
        ExponentialLR(optimizer, gamma=0.5, verbose=True)
    assert 'Adjusting parameter value of group 1 to 5.0000e-02.' in caplog.text


def test_duck_typed_optim_wrapper_is_scheduled_and_counted(helpers):
    wrapper = FakeOptimWrapper(helpers.sgd())
    scheduler = MultiStepLR(wrapper, milestones=[1], by_epoch=False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        wrapper.step()
        scheduler.step()
    assert wrapper.steps == 1 and wrapper._global_step == 0
    assert helpers.values(wrapper.optimizer) == pytest.approx([0.01, 0.005])


def test_object_with_param_groups_and_no_step_is_accepted():
    class Groups:
        param_groups = [{'lr': 1.0}]

    holder = Groups()
    scheduler = ExponentialLR(holder, gamma=0.5)
    scheduler.step()
    assert holder.param_groups[0]['lr'] == 0.5


def test_warns_when_scheduler_steps_before_optimizer(optimizer):
    scheduler = ExponentialLR(optimizer, gamma=0.5)
    with pytest.warns(UserWarning, match='before `optimizer.step\\(\\)`'):
        scheduler.step()


def test_warns_when_optimizer_step_was_replaced(optimizer):
    scheduler = ExponentialLR(optimizer, gamma=0.5)
    optimizer.step = lambda: None
    with pytest.warns(UserWarning, match='has been overridden'):
        scheduler.step()


def test_state_dict_holds_everything_but_the_optimizer(optimizer):
    scheduler = MultiStepLR(optimizer, milestones=[2, 4], by_epoch=False)
    state = scheduler.state_dict()
    assert 'optimizer' not in state
    assert state['milestones'] == Counter([2, 4]) and state['by_epoch'] is False
    assert {'_global_step', 'last_step', 'base_values', 'begin', 'end', '_last_value'} <= set(state)


def test_loaded_state_overrides_the_constructor_arguments(helpers, optimizer):
    """As in MMEngine, the saved schedule wins over a changed config on resume."""
    saved = MultiStepLR(helpers.sgd(), milestones=[1], gamma=0.5, by_epoch=False).state_dict()
    scheduler = MultiStepLR(optimizer, milestones=[100], gamma=0.1, by_epoch=False)
    scheduler.load_state_dict(saved)
    optimizer.step()
    scheduler.step()
    assert helpers.values(optimizer) == [0.05, 0.025]


def test_subclass_must_implement_get_value(optimizer):
    class Incomplete(_ParamScheduler):
        pass

    with pytest.raises(NotImplementedError, match='Incomplete must implement _get_value'):
        Incomplete(optimizer, 'lr')


def test_mixin_classes_expose_the_generic_signature_without_param_name():
    signature = inspect.signature(StepLR)
    assert list(signature.parameters)[:3] == ['optimizer', 'step_size', 'gamma']
    assert 'param_name' not in signature.parameters

    class MyLR(StepLR):
        def __init__(self, optimizer, warmup: int = 3):
            super().__init__(optimizer, step_size=warmup)

    assert list(inspect.signature(MyLR).parameters) == ['optimizer', 'warmup']


# ----- building from configs ---------------------------------------------------------------


def test_build_iter_from_epoch_scales_step_counted_arguments(optimizer):
    scheduler = MultiStepLR.build_iter_from_epoch(optimizer, milestones=[1, 3], begin=1, end=4,
                                                  epoch_length=10)
    assert scheduler.milestones == Counter([10, 30])
    assert (scheduler.begin, scheduler.end, scheduler.by_epoch) == (10, 40, False)
    assert StepLR.build_iter_from_epoch(optimizer, step_size=2, epoch_length=5).end == INF


def test_registry_builds_with_convert_to_iter_based(optimizer):
    cfg = {'type': 'StepLR', 'step_size': 2, 'convert_to_iter_based': True}
    scheduler = PARAM_SCHEDULERS.build(cfg, default_args={'optimizer': optimizer,
                                                          'epoch_length': 7})
    assert type(scheduler) is StepLR
    assert (scheduler.step_size, scheduler.by_epoch) == (14, False)
    plain = PARAM_SCHEDULERS.build({'type': 'ConstantLR', 'end': 3},
                                   default_args={'optimizer': optimizer, 'epoch_length': 7})
    assert (plain.end, plain.by_epoch) == (3, True)


@pytest.mark.parametrize('kwargs, match', [
    ({'by_epoch': False, 'epoch_length': 5}, 'Only epoch-based kwargs'),
    ({}, '`epoch_length` must be a positive integer, but got None'),
    ({'epoch_length': 0}, '`epoch_length` must be a positive integer, but got 0'),
])
def test_build_iter_from_epoch_rejects_bad_input(optimizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearParamScheduler.build_iter_from_epoch(optimizer, param_name='lr', **kwargs)


def test_reduce_on_plateau_cannot_be_converted_to_iter_based(optimizer):
    with pytest.raises(ValueError, match='ReduceOnPlateauLR only supports by_epoch=True'):
        ReduceOnPlateauLR.build_iter_from_epoch(optimizer, epoch_length=3)


# ----- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize('begin, end', [(5, 5), (5, 2)])
def test_end_must_be_larger_than_begin(optimizer, begin, end):
    with pytest.raises(ValueError, match=f'begin={begin}, end={end}'):
        ConstantLR(optimizer, begin=begin, end=end)


def test_unknown_param_name_names_the_group_and_suggests(optimizer):
    with pytest.raises(KeyError, match=r"param_name='lrr' is not a key of param_groups\[0\]"
                                       r".*Did you mean 'lr'"):
        StepParamScheduler(optimizer, 'lrr', step_size=1)


def test_param_name_must_be_a_string(optimizer):
    with pytest.raises(TypeError, match='param_name must be a str'):
        StepParamScheduler(optimizer, 3, step_size=1)


@pytest.mark.parametrize('bad', [torch.nn.Linear(2, 2), {'lr': 0.1}, None])
def test_rejects_objects_that_are_not_optimizers(bad):
    with pytest.raises(TypeError, match=f'got {type(bad).__name__}'):
        StepLR(bad, step_size=1)


@pytest.mark.parametrize('last_step', [-2, 1.5])
def test_rejects_bad_last_step(optimizer, last_step):
    with pytest.raises(ValueError, match='last_step must be an int >= -1'):
        StepLR(optimizer, step_size=1, last_step=last_step)


def test_resume_without_initial_value_is_explained(optimizer):
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        StepLR(optimizer, step_size=1, last_step=4)


def test_schedules_mmlightning_optim_wrapper_including_its_base_group(helpers):
    """A multi-group OptimWrapper lists a base-settings group last, scheduled too (MMEngine)."""
    from mmlightning.optim import OptimWrapper

    wrapper = OptimWrapper(helpers.sgd())
    scheduler = ExponentialLR(wrapper, gamma=0.5, by_epoch=False)
    plateau = ReduceOnPlateauLR(wrapper, min_value=[0.01, 0.02])
    wrapper.step()
    scheduler.step()
    assert helpers.values(wrapper) == pytest.approx([0.05, 0.025, 0.05][:len(wrapper.param_groups)])
    assert helpers.values(wrapper.optimizer) == pytest.approx([0.05, 0.025])
    assert plateau.min_values[:2] == [0.01, 0.02]
    assert len(plateau.min_values) == len(wrapper.param_groups)
