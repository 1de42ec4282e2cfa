"""Schedulers that anneal the value along a curve: cosine, linear and polynomial."""
from __future__ import annotations

import math
from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .._errors import AssertValueError
from .base import INF, OptimizerType, _ParamScheduler


def check_eta_min(owner: str, eta_min: float | None, eta_min_ratio: float | None) -> None:
    """Raise unless exactly one of ``eta_min`` and ``eta_min_ratio`` is given."""
    if (eta_min is None) == (eta_min_ratio is None):
        raise AssertValueError(
            f'{owner}: Either `eta_min` or `eta_min_ratio should be specified (exactly one of '
            f'them), got eta_min={eta_min!r}, eta_min_ratio={eta_min_ratio!r}')


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingParamScheduler(_ParamScheduler):
    r"""Anneal the value along a cosine from its initial value to ``eta_min`` over ``T_max`` steps.

    Solely scheduled, the value at step :math:`t` is
    :math:`\eta_{min} + \frac{1}{2}(\eta_{max} - \eta_{min})(1 + \cos(\pi t / T_{max}))`;
    the update is chainable, so other schedulers may change the value meanwhile.
    Past ``T_max`` the cosine continues (the value rises again), as in PyTorch.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        T_max: Steps of the half cosine. Defaults to ``end - begin``.
        eta_min: Minimum value. Defaults to 0 when ``eta_min_ratio`` is not given.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.
        eta_min_ratio: Minimum value as a ratio of each group's initial value.

    Raises:
        ValueError: If both ``eta_min`` and ``eta_min_ratio`` are given.
    """

    _step_args = ('T_max',)

    def __init__(self, optimizer: OptimizerType, param_name: str, T_max: int | None = None,
                 eta_min: float | None = None, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False,
                 eta_min_ratio: float | None = None):
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.
        check_eta_min(type(self).__name__, eta_min, eta_min_ratio)
        self.T_max = T_max or (end - begin)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _eta_min(self, base_value: float) -> float:
        if self.eta_min_ratio is None:
            return self.eta_min
        return base_value * self.eta_min_ratio

    def _get_value(self) -> list[Any]:
        step, t_max = self.last_step, self.T_max
        if step == 0:
            return self._current_values()
        groups = zip(self.base_values, self._current_values())
        if (step - 1 - t_max) % (2 * t_max) == 0:
            return [value + (base - self._eta_min(base)) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, value in groups]
        return [(1 + math.cos(math.pi * step / t_max)) /
                (1 + math.cos(math.pi * (step - 1) / t_max)) *
                (value - self._eta_min(base)) + self._eta_min(base)
                for base, value in groups]


@PARAM_SCHEDULERS.register_module()
class LinearParamScheduler(_ParamScheduler):
    """Scale the value by a factor moving linearly from ``start_factor`` to ``end_factor``.

    The factor reaches ``end_factor`` at step ``end - begin - 1``.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        start_factor: Factor at the first step, in ``[0, 1]``. Defaults to 1/3.
        end_factor: Factor at the last step, in ``[0, 1]``. Defaults to 1.0.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    With ``start_factor=0`` the value is 0 at the first step and then
    ``initial value * factor`` (MMEngine's chainable update divides by zero
    there); other schedulers' changes made before that step are not kept.

    Raises:
        ValueError: If a factor is outside ``[0, 1]``.
    """

    def __init__(self, optimizer: OptimizerType, param_name: str,
                 start_factor: float = 1.0 / 3, end_factor: float = 1.0, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        owner = type(self).__name__
        for name, factor in (('start_factor', start_factor), ('end_factor', end_factor)):
            if factor > 1.0 or factor < 0:
                raise ValueError(f'{owner}: {name} should be between 0 and 1, got {factor!r}')
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return [value * self.start_factor for value in self._current_values()]
        delta = self.end_factor - self.start_factor
        previous = self.total_iters * self.start_factor + (self.last_step - 1) * delta
        if previous == 0:  # the last factor was 0 (start_factor=0): start from the initial values
            factor = self.start_factor + self.last_step * delta / self.total_iters
            return [base * factor for base in self.base_values]
        return [value * (1. + delta / previous) for value in self._current_values()]


@PARAM_SCHEDULERS.register_module()
class PolyParamScheduler(_ParamScheduler):
    """Decay the value polynomially to ``eta_min`` at step ``end - begin - 1``.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        eta_min: Value at the end of the schedule. Defaults to 0.
        power: Power of the polynomial. Defaults to 1.0.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.
    """

    def __init__(self, optimizer: OptimizerType, param_name: str, eta_min: float = 0,
                 power: float = 1.0, begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        self.eta_min = eta_min
        self.power = power
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        if self.last_step == 0:
            return self._current_values()
        factor = (1 - 1 / (self.total_iters - self.last_step + 1))**self.power
        return [(value - self.eta_min) * factor + self.eta_min
                for value in self._current_values()]
