"""EarlyStoppingHook: rule inference, patience and thresholds, and stopping a real run."""
from __future__ import annotations

import logging
from collections.abc import Callable
from math import inf, nan
from types import SimpleNamespace
from typing import Any

import pytest

from mmlightning.evaluator import BaseMetric
from mmlightning.hooks import EarlyStoppingHook


class Scripted(BaseMetric):
    """Returns ``values[k]`` as ``acc`` at the k-th evaluation."""

    default_prefix = ''

    def __init__(self, values: list[float]) -> None:
        super().__init__()
        self.values = list(values)
        self.calls = 0

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.append(0)

    def compute_metrics(self, results: list) -> dict:
        self.calls += 1
        return dict(acc=self.values[self.calls - 1])


@pytest.mark.parametrize('monitor, rule', [
    ('acc', 'greater'), ('accuracy/top1', 'greater'), ('mIoU', 'greater'), ('AR@100', 'greater'),
    ('loss', 'less'), ('val/loss_cls', 'less'), ('LOSS', 'less')])
def test_rule_is_inferred_from_the_metric_name(monitor: str, rule: str) -> None:
    hook = EarlyStoppingHook(monitor)
    assert hook.rule == rule
    assert hook.best_score == (-inf if rule == 'greater' else inf)
    assert hook.min_delta == (0.1 if rule == 'greater' else -0.1)


def test_unknown_rule_or_name_raises() -> None:
    with pytest.raises(ValueError, match="cannot infer whether a greater or a smaller 'f1'"):
        EarlyStoppingHook('f1')
    with pytest.raises(ValueError, match="rule must be 'greater' or 'less', got 'bigger'"):
        EarlyStoppingHook('acc', rule='bigger')
    assert EarlyStoppingHook('f1', rule='less').rule == 'less'


def stop_runner() -> SimpleNamespace:
    return SimpleNamespace(train_loop=SimpleNamespace(stop_training=False),
                           logger=logging.getLogger('mmlightning'))


def test_patience_min_delta_threshold_and_finite_checks() -> None:
    hook = EarlyStoppingHook('loss', patience=2, min_delta=0.1)
    runner = stop_runner()
    for value in (1.0, 0.95, 0.5, 0.45):  # 0.95 and 0.45 improve by less than min_delta
        hook.after_val_epoch(runner, dict(loss=value))
        assert not runner.train_loop.stop_training
    assert hook.best_score == 0.5 and hook.wait_count == 1
    hook.after_val_epoch(runner, dict(loss=0.5))
    assert runner.train_loop.stop_training

    hook, runner = EarlyStoppingHook('acc', stopping_threshold=0.9), stop_runner()
    hook.after_val_epoch(runner, dict(acc=0.8))
    assert not runner.train_loop.stop_training
    hook.after_val_epoch(runner, dict(acc=0.95))
    assert runner.train_loop.stop_training and hook.best_score == 0.95

    for bad in (nan, inf):
        hook, runner = EarlyStoppingHook('acc'), stop_runner()
        hook.after_val_epoch(runner, dict(acc=bad))
        assert runner.train_loop.stop_training
    hook, runner = EarlyStoppingHook('acc', check_finite=False), stop_runner()
    hook.after_val_epoch(runner, dict(acc=nan))
    assert not runner.train_loop.stop_training


def test_missing_monitor_warns_or_raises_when_strict() -> None:
    runner = stop_runner()
    with pytest.warns(UserWarning, match=r'do not include `monitor` \(acc\)'):
        EarlyStoppingHook('acc').after_val_epoch(runner, dict(loss=1.0))
    assert not runner.train_loop.stop_training
    with pytest.raises(RuntimeError, match=r"metric `acc` is not available.*\['loss'\]"):
        EarlyStoppingHook('acc', strict=True).after_val_epoch(runner, dict(loss=1.0))


def test_before_run_needs_a_stoppable_loop() -> None:
    with pytest.raises(AttributeError, match='should contain .stop_training. variable'):
        EarlyStoppingHook('acc').before_run(SimpleNamespace(train_loop=object()))


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.parametrize('by_epoch', [True, False], ids=['epoch-based', 'iter-based'])
def test_stops_a_real_run_early(by_epoch: bool, make_runner: Callable[..., Any]) -> None:
    metric = Scripted([0.5, 0.55, 0.52, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1) if by_epoch else \
        dict(by_epoch=False, max_iters=20, val_interval=2)
    runner = make_runner([EarlyStoppingHook('acc', patience=2)], metric=metric,
                         train_cfg=train_cfg)
    collect = Collect()
    runner.logger.addHandler(collect)  # the logger the hooks get, however it propagates
    try:
        runner.train()
    finally:
        runner.logger.removeHandler(collect)
    # 0.55 and 0.52 do not beat 0.5 by min_delta=0.1: two waits, stop after the third validation
    assert metric.calls == 3
    assert runner.iter == (9 if by_epoch else 6)
    assert any('did not improve in the last 2 records. best score: 0.500' in message
               for message in collect.messages)
