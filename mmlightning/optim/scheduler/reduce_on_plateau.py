"""``ReduceOnPlateauParamScheduler``: reduce a value when a validation metric stops improving."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from torch.optim import Optimizer

from mmlightning.registry import PARAM_SCHEDULERS

from .._errors import AssertValueError
from .base import INF, OptimizerType, _ParamScheduler, logger

RULES = ('less', 'greater')
THRESHOLD_RULES = ('rel', 'abs')


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` after ``patience`` validations without improvement.

    ``step()`` without metrics only counts training epochs (that count is
    compared with ``begin``/``end``); ``step(metrics)`` after each validation
    reads ``metrics[monitor]``. The constructor does not step. Epoch-based only.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'``.
        monitor: Key of the metric to watch. Defaults to ``'loss'``.
        rule: ``'less'`` (lower is better) or ``'greater'``. Defaults to ``'less'``.
        factor: Multiplier applied on a plateau, below 1. Defaults to 0.1.
        patience: Validations without improvement tolerated. Defaults to 10.
        threshold: Minimum change that counts as improvement. Defaults to 1e-4.
        threshold_rule: ``'rel'`` (relative to the best) or ``'abs'``.
        cooldown: Validations to wait after a reduction. Defaults to 0.
        min_value: Lower bound, one for all groups or one per group. Defaults to 0.
        eps: Reductions smaller than this are skipped. Defaults to 1e-8.
        begin: Training epoch at which to start watching. Defaults to 0.
        end: Training epoch at which to stop watching. Defaults to INF.
        last_step: Index of the last step, for resuming without a state dict.
        by_epoch: Must be True. Defaults to True.
        verbose: Whether to log each update. Defaults to False.

    Raises:
        ValueError: On ``by_epoch=False``, ``factor >= 1``, a negative
            ``threshold``, an unknown rule, or a ``min_value`` list whose length
            is not the number of param groups.
    """

    need_val_args = True

    def __init__(self, optimizer: OptimizerType, param_name: str, monitor: str = 'loss',
                 rule: str = 'less', factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_rule: str = 'rel', cooldown: int = 0,
                 min_value: float | Sequence[float] = 0., eps: float = 1e-8, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        owner = type(self).__name__
        if not by_epoch:
            raise AssertValueError(f'Now {owner} only support by_epoch=True (it reacts to '
                                   'validation results), got by_epoch=False')
        self._attach(optimizer, param_name, begin, end, by_epoch, last_step)
        self.last_step = last_step
        self._global_step = 0
        self.verbose = verbose
        if factor >= 1.0:
            raise ValueError(f'{owner}: factor should be < 1.0, got {factor!r}')
        self.factor = factor
        self.min_values = self._min_values(optimizer, min_value)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.monitor = monitor
        self._init_is_better(rule=rule, threshold=threshold, threshold_rule=threshold_rule)
        self._reset()
        self._last_value = self._current_values()

    def _min_values(self, optimizer: OptimizerType,
                    min_value: float | Sequence[float]) -> list[float]:
        """One lower bound per entry of ``optimizer.param_groups``.

        An OptimWrapper with several groups lists an extra base-settings group
        last; it gets the bound of the last real group.
        """
        if not isinstance(min_value, (list, tuple)):
            return [min_value] * len(optimizer.param_groups)
        wrapped = not isinstance(optimizer, Optimizer) and hasattr(optimizer, 'optimizer')
        raw_groups = optimizer.optimizer.param_groups if wrapped else optimizer.param_groups
        if len(min_value) != len(raw_groups):
            raise ValueError(f'{type(self).__name__}: expected {len(raw_groups)} min_values '
                             f'(one per param group), got {len(min_value)}')
        values = list(min_value)
        if wrapped and getattr(optimizer, 'base_param_settings', None) is not None:
            values.append(values[-1])
        return values

    @classmethod
    def build_iter_from_epoch(cls, *args: Any, **kwargs: Any) -> _ParamScheduler:
        """Not supported: the scheduler follows validation results, once per epoch.

        Raises:
            ValueError: Always.
        """
        raise ValueError(f'{cls.__name__} only supports by_epoch=True; it cannot be '
                         'converted to iter-based, drop convert_to_iter_based.')

    def step(self, metrics: Mapping[str, Any] | None = None) -> None:
        """Count a training epoch (no metrics) or react to validation ``metrics``.

        Args:
            metrics: Validation results keyed by metric name. Defaults to None.

        Raises:
            TypeError: If ``metrics`` is not a mapping.
            KeyError: If ``monitor`` is not among the metrics.
        """
        if metrics is None:
            self._global_step += 1
            return
        if not isinstance(metrics, Mapping):
            raise TypeError(f'{type(self).__name__}: metrics should be a dict, got '
                            f'{type(metrics).__name__}')
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            if self.monitor not in metrics:
                raise KeyError(f'{type(self).__name__}: monitor={self.monitor!r} is not among '
                               f'the metrics {list(metrics)}; set monitor to one of them.')
            self._update(float(metrics[self.monitor]))
        self._last_value = self._current_values()

    def _update(self, metric: float) -> None:
        if self._is_better(metric, self.best):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self._in_cooldown():
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            values = self._get_value()
            for index, (group, value) in enumerate(zip(self.optimizer.param_groups, values)):
                if group[self.param_name] - value > self.eps:
                    group[self.param_name] = value
                    self.print_value(self.verbose, index, value)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def _get_value(self) -> list[Any]:
        values = [float(value) * self.factor for value in self._current_values()]
        return [max(value, min_value) for value, min_value in zip(values, self.min_values)]

    def _in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.rule == 'less':
            if self.threshold_rule == 'rel':
                return a < best * (1. - self.threshold)
            return a < best - self.threshold
        if self.threshold_rule == 'rel':
            return a > best * (self.threshold + 1.)
        return a > best + self.threshold

    def _init_is_better(self, rule: str, threshold: float, threshold_rule: str) -> None:
        owner = type(self).__name__
        if threshold < 0:
            raise ValueError(f'{owner}: threshold {threshold!r} should be >= 0.')
        if rule not in RULES:
            raise ValueError(f'{owner}: rule {rule!r} is unknown; use "less" or "greater".')
        if threshold_rule not in THRESHOLD_RULES:
            raise ValueError(f'{owner}: threshold_rule {threshold_rule!r} is unknown; '
                             'use "rel" or "abs".')
        self.rule_worse = math.inf if rule == 'less' else -math.inf
        self.rule = rule
        self.threshold = threshold
        self.threshold_rule = threshold_rule

    def _reset(self) -> None:
        """Reset the best value, the bad-epoch counter and the cooldown counter."""
        self.best = self.rule_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def print_value(self, is_verbose: bool, group: int, value: float) -> None:
        """Log the value of a param group, with the epoch, when ``is_verbose``.

        Args:
            is_verbose: Whether to log.
            group: Index of the param group.
            value: The new value.
        """
        if is_verbose:
            step_name = 'epoch' if self.by_epoch else 'iter'
            logger.info('Adjusting parameter value of group %d to %.4e in %s %d.', group,
                        value, step_name, self.last_step)
