"""``CosineRestartParamScheduler``: cosine annealing with warm restarts (SGDR)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .._errors import AssertValueError
from .annealing import check_eta_min
from .base import INF, OptimizerType, _ParamScheduler


@PARAM_SCHEDULERS.register_module()
class CosineRestartParamScheduler(_ParamScheduler):
    """Anneal along a cosine for each period, restarting at ``initial * restart_weight``.

    After the last period the value is left as it is.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        periods: Length of each cosine cycle, in steps.
        restart_weights: Weight of the initial value at each restart, one per
            period. Defaults to ``(1,)``.
        eta_min: Minimum value. Give this or ``eta_min_ratio``.
        eta_min_ratio: Minimum value as a ratio of each group's initial value.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    Raises:
        ValueError: If not exactly one of ``eta_min`` / ``eta_min_ratio`` is
            given, or ``periods`` and ``restart_weights`` differ in length.
    """

    _step_args = ('periods',)

    def __init__(self, optimizer: OptimizerType, param_name: str, periods: Sequence[int],
                 restart_weights: Sequence[float] = (1,), eta_min: float | None = None,
                 eta_min_ratio: float | None = None, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False):
        owner = type(self).__name__
        check_eta_min(owner, eta_min, eta_min_ratio)
        if len(periods) != len(restart_weights):
            raise AssertValueError(f'{owner}: periods and restart_weights should have the same '
                                   f'length, got periods={list(periods)} and '
                                   f'restart_weights={list(restart_weights)}')
        self.periods = periods
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.restart_weights = restart_weights
        self.cumulative_periods = [sum(periods[:i + 1]) for i in range(len(periods))]
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self) -> list[Any]:
        index = self.get_position_from_periods(self.last_step, self.cumulative_periods)
        if index is None:
            return self._current_values()
        weight = self.restart_weights[index]
        restart = 0 if index == 0 else self.cumulative_periods[index - 1]
        period = self.periods[index]
        step = self.last_step - restart
        values = []
        for base, value in zip(self.base_values, self._current_values()):
            eta_min = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
            if step == 0:
                values.append(base * weight)
            else:
                values.append((1 + math.cos(math.pi * step / period)) /
                              (1 + math.cos(math.pi * (step - 1) / period)) *
                              (value - eta_min) + eta_min)
        return values

    @staticmethod
    def get_position_from_periods(iteration: int,
                                  cumulative_periods: Sequence[int]) -> int | None:
        """Index of the first cumulative period greater than ``iteration``.

        With ``cumulative_periods = [100, 200, 300, 400]``: 50 -> 0, 210 -> 2,
        300 -> 3, 400 -> None.

        Args:
            iteration: The current step.
            cumulative_periods: Running sums of the periods.

        Returns:
            The period index, or None past the last period.
        """
        for index, period in enumerate(cumulative_periods):
            if iteration < period:
                return index
        return None
