"""IterTimerHook: data_time, time and ETA, on a fake clock."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from mmlightning.hooks import IterTimerHook, iter_timer_hook
from mmlightning.logging import MessageHub
from mmlightning.registry import HOOKS


class Clock:
    """A ``time`` module replacement whose ``time()`` is set by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(iter_timer_hook, 'time', clock)
    return clock


def fake_runner() -> SimpleNamespace:
    return SimpleNamespace(message_hub=MessageHub.get_instance('timer_test'), iter=0,
                           max_iters=10, val_dataloader=[0] * 4, test_dataloader=[0] * 3)


def scalar(runner: SimpleNamespace, key: str) -> list[float]:
    return runner.message_hub.get_scalar(key).data[0].tolist()


def test_registered_with_mmengine_priority() -> None:
    hook = HOOKS.build(dict(type='IterTimerHook'))
    assert isinstance(hook, IterTimerHook) and hook.priority == 'NORMAL'


def test_train_times_and_eta(clock: Clock) -> None:
    runner, hook = fake_runner(), IterTimerHook()
    runner.iter = 4  # resumed at iteration 4: the ETA averages from there
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    for data_time, step_time in ((0.5, 1.5), (0.25, 0.75)):
        clock.now += data_time
        hook.before_train_iter(runner, batch_idx=runner.iter)
        clock.now += step_time
        hook.after_train_iter(runner, batch_idx=runner.iter)
        runner.iter += 1
    assert scalar(runner, 'train/data_time') == [0.5, 0.25]
    assert scalar(runner, 'train/time') == [2.0, 1.0]
    # (2 + 1) / 2 iterations, 10 - 5 - 1 = 4 iterations to go (runner.iter was 5)
    assert runner.message_hub.get_info('eta') == pytest.approx(1.5 * 4)


@pytest.mark.parametrize('mode, length', [('val', 4), ('test', 3)])
def test_evaluation_times_and_eta(clock: Clock, mode: str, length: int) -> None:
    runner, hook = fake_runner(), IterTimerHook()
    getattr(hook, f'before_{mode}_epoch')(runner)
    for batch_idx, step_time in enumerate((1.0, 3.0)):
        getattr(hook, f'before_{mode}_iter')(runner, batch_idx=batch_idx)
        clock.now += step_time
        getattr(hook, f'after_{mode}_iter')(runner, batch_idx=batch_idx)
    assert scalar(runner, f'{mode}/time') == [1.0, 3.0]
    assert scalar(runner, f'{mode}/data_time') == [0.0, 0.0]
    assert runner.message_hub.get_info('eta') == pytest.approx(2.0 * (length - 2))
    getattr(hook, f'after_{mode}_epoch')(runner)
    assert hook.time_sec_test_val == 0  # the next loop starts its own average
    getattr(hook, f'before_{mode}_epoch')(runner)
    getattr(hook, f'before_{mode}_iter')(runner, batch_idx=0)
    clock.now += 5.0
    getattr(hook, f'after_{mode}_iter')(runner, batch_idx=0)
    assert runner.message_hub.get_info('eta') == pytest.approx(5.0 * (length - 1))
