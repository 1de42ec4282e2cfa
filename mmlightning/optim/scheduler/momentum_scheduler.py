"""Momentum schedulers: the generic schedulers on ``momentum`` (or Adam's ``betas[0]``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .annealing import CosineAnnealingParamScheduler, LinearParamScheduler, PolyParamScheduler
from .base import OptimizerType, check_optimizer, signature_without_param_name
from .cosine_restart import CosineRestartParamScheduler
from .multiplicative import (
    ConstantParamScheduler,
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    StepParamScheduler,
)
from .reduce_on_plateau import ReduceOnPlateauParamScheduler


def _optimizer_defaults(optimizer: OptimizerType) -> Mapping[str, Any]:
    defaults = getattr(optimizer, 'defaults', None)
    if isinstance(defaults, Mapping):
        return defaults
    groups = optimizer.param_groups
    return groups[0] if groups else {}


class MomentumSchedulerMixin:
    """Mixin that schedules ``momentum``, or ``betas[0]`` for the Adam family.

    With ``betas`` the scheduler writes ``group['momentum'] = betas[0]`` first,
    schedules ``momentum``, and copies it back into ``betas`` after each step.
    Put it first in the bases: ``class MyMomentum(MomentumSchedulerMixin, MyParamScheduler)``.

    Raises:
        ValueError: If the optimizer has neither ``momentum`` nor ``betas``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = signature_without_param_name(cls)

    def __init__(self, optimizer: OptimizerType, *args: Any, **kwargs: Any):
        check_optimizer(optimizer, type(self).__name__)
        defaults = _optimizer_defaults(optimizer)
        self.use_betas = False
        if 'momentum' not in defaults:
            if 'betas' not in defaults:
                raise ValueError(
                    f'{type(self).__name__}: optimizer must support momentum when using '
                    f'momentum scheduler; {type(optimizer).__name__} has neither `momentum` nor '
                    '`betas`. Use an optimizer that supports momentum (SGD, RMSprop, Adam '
                    'family) or remove the momentum scheduler.')
            self.use_betas = True
            for group in optimizer.param_groups:
                group['momentum'] = group['betas'][0]
        super().__init__(optimizer, 'momentum', *args, **kwargs)

    def step(self, *args: Any, **kwargs: Any) -> None:
        """Step the scheduler, then copy ``momentum`` into ``betas[0]`` when needed.

        Args:
            *args: Passed to the scheduler's ``step`` (``metrics`` for ReduceOnPlateau).
            **kwargs: Passed to the scheduler's ``step``.
        """
        super().step(*args, **kwargs)
        if self.use_betas:
            for group in self.optimizer.param_groups:
                group['betas'] = (group['momentum'], group['betas'][1])


@PARAM_SCHEDULERS.register_module()
class ConstantMomentum(MomentumSchedulerMixin, ConstantParamScheduler):
    """Multiply the momentum by ``factor`` until ``end`` (see ConstantParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingMomentum(MomentumSchedulerMixin, CosineAnnealingParamScheduler):
    """Cosine-anneal the momentum (see CosineAnnealingParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class ExponentialMomentum(MomentumSchedulerMixin, ExponentialParamScheduler):
    """Decay the momentum by ``gamma`` every step (see ExponentialParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class LinearMomentum(MomentumSchedulerMixin, LinearParamScheduler):
    """Scale the momentum by a linearly changing factor (see LinearParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class MultiStepMomentum(MomentumSchedulerMixin, MultiStepParamScheduler):
    """Decay the momentum at milestones (see MultiStepParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class StepMomentum(MomentumSchedulerMixin, StepParamScheduler):
    """Decay the momentum every ``step_size`` steps (see StepParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class PolyMomentum(MomentumSchedulerMixin, PolyParamScheduler):
    """Decay the momentum polynomially (see PolyParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartMomentum(MomentumSchedulerMixin, CosineRestartParamScheduler):
    """Cosine-anneal the momentum with restarts (see CosineRestartParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauMomentum(MomentumSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Reduce the momentum on a metric plateau (see ReduceOnPlateauParamScheduler)."""
