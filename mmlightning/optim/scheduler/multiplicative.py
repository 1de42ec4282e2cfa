"""Schedulers that multiply the value by a factor: Step, MultiStep, Constant, Exponential."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .base import INF, OptimizerType, _ParamScheduler


@PARAM_SCHEDULERS.register_module()
class StepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every ``step_size`` steps.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        step_size: Period of the decay, in steps.
        gamma: Multiplicative factor of the decay. Defaults to 0.1.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    Raises:
        ValueError: If ``step_size`` is not positive.
    """

    _step_args = ('step_size',)

    def __init__(self, optimizer: OptimizerType, param_name: str, step_size: int,
                 gamma: float = 0.1, begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        if step_size <= 0:
            raise ValueError(f'{type(self).__name__}: step_size must be positive, '
                             f'got {step_size!r}')
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step == 0 or self.last_step % self.step_size != 0:
            return self._current_values()
        return [value * self.gamma for value in self._current_values()]


@PARAM_SCHEDULERS.register_module()
class MultiStepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` each time the step reaches a milestone.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        milestones: Steps at which to decay (a repeated milestone decays twice).
        gamma: Multiplicative factor of the decay. Defaults to 0.1.
        last_step: Index of the last step, for resuming without a state dict.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.
    """

    _step_args = ('milestones',)

    def __init__(self, optimizer: OptimizerType, param_name: str, milestones: Sequence[int],
                 gamma: float = 0.1, last_step: int = -1, begin: int = 0, end: int = INF,
                 by_epoch: bool = True, verbose: bool = False):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step not in self.milestones:
            return self._current_values()
        factor = self.gamma**self.milestones[self.last_step]
        return [value * factor for value in self._current_values()]


@PARAM_SCHEDULERS.register_module()
class ConstantParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` from ``begin`` until just before ``end``.

    The factor is applied at the first step and undone at step
    ``end - begin - 1``, so other schedulers can change the value meanwhile.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        factor: The multiplier, in ``[0, 1]``. Defaults to 1/3.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    Raises:
        ValueError: If ``factor`` is outside ``[0, 1]``, or 0 with a finite ``end``.
    """

    def __init__(self, optimizer: OptimizerType, param_name: str, factor: float = 1.0 / 3,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        if factor > 1.0 or factor < 0:
            raise ValueError(f'{type(self).__name__}: the constant multiplicative factor should '
                             f'be between 0 and 1, got factor={factor!r}')
        if factor == 0 and begin + 1 < end < INF:
            raise ValueError(f'{type(self).__name__}: factor=0 cannot be undone at end={end} '
                             '(it would divide by zero); use a small positive factor.')
        self.factor = factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return [value * self.factor for value in self._current_values()]
        if self.last_step != self.total_iters:
            return self._current_values()
        return [value * (1.0 / self.factor) for value in self._current_values()]


@PARAM_SCHEDULERS.register_module()
class ExponentialParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` at every step after the first.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        gamma: Multiplicative factor of the decay.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.
    """

    def __init__(self, optimizer: OptimizerType, param_name: str, gamma: float,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        self.gamma = gamma
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return self._current_values()
        return [value * self.gamma for value in self._current_values()]
