"""Learning-rate schedulers: the generic schedulers with ``param_name='lr'``."""
from __future__ import annotations

from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .annealing import CosineAnnealingParamScheduler, LinearParamScheduler, PolyParamScheduler
from .base import OptimizerType, signature_without_param_name
from .cosine_restart import CosineRestartParamScheduler
from .multiplicative import (
    ConstantParamScheduler,
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    StepParamScheduler,
)
from .one_cycle import OneCycleParamScheduler
from .reduce_on_plateau import ReduceOnPlateauParamScheduler


class LRSchedulerMixin:
    """Mixin that fixes ``param_name='lr'`` for a generic parameter scheduler.

    Put it first in the bases: ``class MyLR(LRSchedulerMixin, MyParamScheduler)``.
    The subclass takes the generic scheduler's arguments without ``param_name``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = signature_without_param_name(cls)

    def __init__(self, optimizer: OptimizerType, *args: Any, **kwargs: Any):
        super().__init__(optimizer, 'lr', *args, **kwargs)


@PARAM_SCHEDULERS.register_module()
class ConstantLR(LRSchedulerMixin, ConstantParamScheduler):
    """Multiply the learning rate by ``factor`` until ``end`` (see ConstantParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingLR(LRSchedulerMixin, CosineAnnealingParamScheduler):
    """Cosine-anneal the learning rate (see CosineAnnealingParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class ExponentialLR(LRSchedulerMixin, ExponentialParamScheduler):
    """Decay the learning rate by ``gamma`` every step (see ExponentialParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class LinearLR(LRSchedulerMixin, LinearParamScheduler):
    """Scale the learning rate by a linearly changing factor (see LinearParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class MultiStepLR(LRSchedulerMixin, MultiStepParamScheduler):
    """Decay the learning rate at milestones (see MultiStepParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class StepLR(LRSchedulerMixin, StepParamScheduler):
    """Decay the learning rate every ``step_size`` steps (see StepParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class PolyLR(LRSchedulerMixin, PolyParamScheduler):
    """Decay the learning rate polynomially (see PolyParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(LRSchedulerMixin, OneCycleParamScheduler):
    """The 1cycle learning-rate policy (see OneCycleParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartLR(LRSchedulerMixin, CosineRestartParamScheduler):
    """Cosine-anneal the learning rate with restarts (see CosineRestartParamScheduler)."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauLR(LRSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Reduce the learning rate on a metric plateau (see ReduceOnPlateauParamScheduler)."""
