"""``OneCycleParamScheduler``: the 1cycle policy (Smith & Topin, arXiv:1708.07120)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mmlightning.registry import PARAM_SCHEDULERS

from .._errors import AssertValueError
from .base import INF, OptimizerType, _ParamScheduler, check_optimizer

ANNEAL_STRATEGIES = ('cos', 'linear')


def anneal(strategy: str, start: float, end: float, pct: float) -> float:
    """Anneal from ``start`` to ``end`` as ``pct`` goes from 0.0 to 1.0.

    Args:
        strategy: ``'cos'`` (cosine) or ``'linear'``.
        start: Value at ``pct=0``.
        end: Value at ``pct=1``.
        pct: Progress in ``[0, 1]``.

    Returns:
        The annealed value.
    """
    if strategy == 'cos':
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


@PARAM_SCHEDULERS.register_module()
class OneCycleParamScheduler(_ParamScheduler):
    """Raise the learning rate from ``eta_max / div_factor`` to ``eta_max``, then anneal it.

    Two phases by default (fastai): up for ``pct_start`` of ``total_steps``,
    then down to ``eta_max / div_factor / final_div_factor``. With
    ``three_phase=True`` the way down returns to the initial value
    symmetrically, and a third phase annihilates it. Not chainable.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: Must be ``'lr'``.
        eta_max: Peak value, one for all groups or one per group. Defaults to 0.
        total_steps: Steps in the cycle. Defaults to ``end - begin``.
        pct_start: Fraction of the cycle spent increasing. Defaults to 0.3.
        anneal_strategy: ``'cos'`` or ``'linear'``. Defaults to ``'cos'``.
        div_factor: ``initial = eta_max / div_factor``. Defaults to 25.
        final_div_factor: ``minimum = initial / final_div_factor``. Defaults to 1e4.
        three_phase: Use the three-phase schedule of the paper. Defaults to False.
        begin: Step at which to start updating. Defaults to 0.
        end: Step at which to stop updating. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    Raises:
        ValueError: If ``param_name`` is not ``'lr'``, an option is out of
            range, or neither ``total_steps`` nor a finite ``end`` is given.
    """

    _step_args = ('total_steps',)

    def __init__(self, optimizer: OptimizerType, param_name: str,
                 eta_max: float | Sequence[float] = 0, total_steps: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = 'cos', div_factor: float = 25.,
                 final_div_factor: float = 1e4, three_phase: bool = False, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        owner = type(self).__name__
        check_optimizer(optimizer, owner)
        if param_name != 'lr':
            raise AssertValueError(f"{owner}: OneCycle only works for learning rate updating "
                                   f"(param_name='lr'), but got param_name={param_name!r}")
        self.eta_max = eta_max
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor
        self.total_steps = self._check_total_steps(total_steps, begin, end)
        if isinstance(pct_start, bool) or not 0 <= pct_start <= 1:
            raise ValueError(f'{owner}: expected pct_start between 0 and 1, got {pct_start!r}')
        if anneal_strategy not in ANNEAL_STRATEGIES:
            raise ValueError(f'{owner}: anneal_strategy must be one of "cos" or "linear", '
                             f'got {anneal_strategy!r}')
        self.anneal_strategy = anneal_strategy
        self._schedule_phases = self._phases(param_name, float(pct_start), three_phase)
        groups = optimizer.param_groups
        max_values = self._format_param(f'max_{param_name}', groups, eta_max)
        if last_step == -1:
            for group, max_value in zip(groups, max_values):
                group[f'initial_{param_name}'] = max_value / div_factor
                group[f'max_{param_name}'] = max_value
                group[f'min_{param_name}'] = group[f'initial_{param_name}'] / final_div_factor
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _check_total_steps(self, total_steps: int | None, begin: int, end: int) -> int:
        owner = type(self).__name__
        if total_steps is None:
            if end == INF:
                raise ValueError(f'{owner}: give total_steps or a finite end (the cycle spans '
                                 'end - begin steps); neither was given.')
            return end - begin
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) \
                or total_steps <= 0:
            raise ValueError(f'{owner}: expected a positive integer total_steps, '
                             f'got {total_steps!r}')
        return total_steps

    def _phases(self, name: str, pct_start: float, three_phase: bool) -> list[dict[str, Any]]:
        up_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        start, end = f'start_{name}', f'end_{name}'
        initial, peak, low = f'initial_{name}', f'max_{name}', f'min_{name}'
        if three_phase:
            return [
                {'end_step': up_end, start: initial, end: peak},
                {'end_step': float(2 * pct_start * self.total_steps) - 2, start: peak,
                 end: initial},
                {'end_step': last, start: initial, end: low},
            ]
        return [{'end_step': up_end, start: initial, end: peak},
                {'end_step': last, start: peak, end: low}]

    @staticmethod
    def _format_param(name: str, groups: Sequence[Any],
                      param: float | Sequence[float]) -> list[float]:
        """Return one value per param group (a scalar is repeated)."""
        if isinstance(param, (list, tuple)):
            if len(param) != len(groups):
                raise ValueError(f'expected {len(groups)} values for {name} (one per param '
                                 f'group), got {len(param)}')
            return list(param)
        return [param] * len(groups)

    def _get_value(self) -> list[Any]:
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(f'Tried to step {step + 1} times. The specified number of total '
                             f'steps is {self.total_steps}; raise total_steps or lower end.')
        start_key, end_key = 'start_' + self.param_name, 'end_' + self.param_name
        values = []
        for group in self.optimizer.param_groups:
            start_step: float = 0
            for index, phase in enumerate(self._schedule_phases):
                end_step = phase['end_step']
                if step <= end_step or index == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    values.append(anneal(self.anneal_strategy, group[phase[start_key]],
                                         group[phase[end_key]], pct))
                    break
                start_step = end_step
        return values

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state; an MMEngine state's ``anneal_func`` becomes ``anneal_strategy``.

        Args:
            state_dict: The scheduler state.
        """
        state = dict(state_dict)
        func = state.pop('anneal_func', None)
        if func is not None and 'anneal_strategy' not in state:
            state['anneal_strategy'] = 'linear' if 'linear' in func.__name__ else 'cos'
        super().load_state_dict(state)
