"""``EarlyStoppingHook``: stop training when a validation metric stops improving."""
from __future__ import annotations

import warnings
from math import inf, isfinite
from typing import Any

from mmlightning.registry import HOOKS

from .errors import HookRunnerError
from .hook import Hook
from .metric_rules import DEFAULT_GREATER_KEYS, DEFAULT_LESS_KEYS, RULE_MAP, infer_rule


@HOOKS.register_module()
class EarlyStoppingHook(Hook):
    """Stops training (``runner.train_loop.stop_training = True``) when ``monitor`` plateaus.

    Args:
        monitor: The metric key to watch (a key of the validation metrics).
        rule: ``'greater'`` or ``'less'``: which direction is better. If None,
            inferred from the name: accuracy-like names (``acc``, ``top``,
            ``AR@``, ``auc``, ``precision``, ``mAP``, ``mDice``, ``mIoU``,
            ``mAcc``, ``aAcc``) are ``'greater'``, names with ``loss``
            ``'less'``; exact matches first, then substrings, ignoring case.
        min_delta: The least change that counts as an improvement.
        strict: Raise when ``monitor`` is not among the metrics (else warn
            and skip).
        check_finite: Stop when the metric is NaN or infinite.
        patience: How many validations without improvement stop training.
        stopping_threshold: Stop as soon as the metric is better than this.

    Raises:
        ValueError: If ``rule`` is not ``'greater'``/``'less'``, or is None and
            cannot be inferred from ``monitor``.
    """

    priority = 'LOWEST'

    rule_map = RULE_MAP
    _default_greater_keys = DEFAULT_GREATER_KEYS
    _default_less_keys = DEFAULT_LESS_KEYS

    def __init__(self, monitor: str, rule: str | None = None, min_delta: float = 0.1,
                 strict: bool = False, check_finite: bool = True, patience: int = 5,
                 stopping_threshold: float | None = None) -> None:
        self.monitor = monitor
        if rule is None:
            rule = self._init_rule(monitor)
        elif rule not in self.rule_map:
            raise ValueError(f"EarlyStoppingHook: rule must be 'greater' or 'less', got {rule!r}")
        self.rule = rule
        self.min_delta = min_delta if rule == 'greater' else -min_delta
        self.strict = strict
        self.check_finite = check_finite
        self.patience = patience
        self.stopping_threshold = stopping_threshold
        self.wait_count = 0
        self.best_score = -inf if rule == 'greater' else inf

    def _init_rule(self, monitor: str) -> str:
        rule = infer_rule(monitor, self._default_greater_keys, self._default_less_keys)
        if rule is not None:
            return rule
        raise ValueError(f'EarlyStoppingHook: cannot infer whether a greater or a smaller '
                         f"{monitor!r} is better; pass rule='greater' or rule='less'")

    def _check_stop_condition(self, current_score: Any) -> tuple[bool, str]:
        """Update the best score and patience with ``current_score``; return (stop, reason).

        The score keeps the metric's type (a tensor stays a tensor), as in MMEngine.
        """
        compare = self.rule_map[self.rule]
        if self.check_finite and not isfinite(current_score):
            return True, (f'Monitored metric {self.monitor} = {current_score} is infinite. '
                          f'Previous best value was {self.best_score:.3f}.')
        if self.stopping_threshold is not None and compare(current_score,
                                                           self.stopping_threshold):
            self.best_score = current_score
            return True, (f'Stopping threshold reached: `{self.monitor}` = {current_score} is '
                          f'{self.rule} than {self.stopping_threshold}.')
        if compare(self.best_score + self.min_delta, current_score):
            self.wait_count += 1
            if self.wait_count >= self.patience:
                return True, (f'the monitored metric did not improve in the last '
                              f'{self.wait_count} records. best score: {self.best_score:.3f}. ')
            return False, ''
        self.best_score = current_score
        self.wait_count = 0
        return False, ''

    def before_run(self, runner: Any) -> None:
        """Check that the training loop can be stopped.

        Raises:
            HookRunnerError: (an ``AttributeError`` and an ``AssertionError``) If
                ``runner.train_loop`` has no ``stop_training``.
        """
        if not hasattr(runner.train_loop, 'stop_training'):
            raise HookRunnerError('EarlyStoppingHook: `train_loop` should contain '
                                  '`stop_training` variable, which it sets to stop training; '
                                  f'{type(runner.train_loop).__name__} has none')

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Decide from the validation ``metrics`` whether to stop training.

        Raises:
            RuntimeError: With ``strict``, if ``monitor`` is not in ``metrics``.
        """
        metrics = metrics or {}
        if self.monitor not in metrics:
            if self.strict:
                raise RuntimeError(f'Early stopping conditioned on metric `{self.monitor}` is '
                                   f'not available. Please check available metrics '
                                   f'{sorted(metrics)}, or set `strict=False` in '
                                   '`EarlyStoppingHook`.')
            warnings.warn(f'Skip early stopping process since the evaluation results '
                          f'({list(metrics)}) do not include `monitor` ({self.monitor}).',
                          stacklevel=2)
            return
        stop_training, message = self._check_stop_condition(metrics[self.monitor])
        if stop_training:
            runner.train_loop.stop_training = True
            runner.logger.info(message)
