"""Tests for Timer and check_time, with a fake clock."""
from __future__ import annotations

import pytest

from mmlightning.utils import Timer, TimerError, check_time
from mmlightning.utils import timer as timer_module


@pytest.fixture
def clock(monkeypatch):
    """A settable replacement of ``time.time`` in the timer module."""
    now = [100.0]
    monkeypatch.setattr(timer_module, 'time', lambda: now[0])
    return now


def test_timer_measures(clock):
    timer = Timer()
    assert timer.is_running
    clock[0] += 1.5
    assert timer.since_start() == pytest.approx(1.5)
    clock[0] += 0.5
    assert timer.since_last_check() == pytest.approx(0.5)
    clock[0] += 2.0
    assert timer.since_start() == pytest.approx(4.0)
    assert timer.since_last_check() == 0


def test_timer_not_started_raises(clock):
    timer = Timer(start=False)
    assert not timer.is_running
    with pytest.raises(TimerError, match='timer is not running') as info:
        timer.since_start()
    assert info.value.message.startswith('timer is not running')
    with pytest.raises(TimerError):
        timer.since_last_check()
    timer.start()
    clock[0] += 1
    timer.start()  # restart keeps the start time, resets the check point
    assert timer.since_last_check() == 0
    assert timer.since_start() == pytest.approx(1)


def test_timer_context_manager_prints(clock, capsys):
    with Timer(print_tmpl='took {:.1f} s') as timer:
        clock[0] += 2.25
    assert capsys.readouterr().out == 'took 2.2 s\n'
    assert not timer.is_running
    with Timer():
        clock[0] += 1
    assert capsys.readouterr().out == '1.000\n'


def test_check_time(clock, monkeypatch):
    monkeypatch.setattr(timer_module, '_g_timers', {})
    assert check_time('task') == 0
    clock[0] += 3
    assert check_time('task') == pytest.approx(3)
    clock[0] += 1
    assert check_time('task') == pytest.approx(1)
    assert check_time('other') == 0
