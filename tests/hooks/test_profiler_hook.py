"""ProfilerHook: torch.profiler around the first epoch or iterations of a real run, on CPU."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mmlightning.hooks import Hook, ProfilerHook
from mmlightning.registry import HOOKS


class ClosedProbe(Hook):
    """Records, before each training iteration, whether the profiler has stopped."""

    def __init__(self, profiler_hook: ProfilerHook) -> None:
        self.profiler_hook = profiler_hook
        self.closed: list[bool] = []

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self.closed.append(self.profiler_hook._closed)


def trace_names(path: Path) -> list[str]:
    return [event.get('name') for event in json.loads(path.read_text())['traceEvents']]


def test_profiles_the_first_epoch_into_a_json_trace(make_runner: Callable[..., Any],
                                                     tmp_path: Path) -> None:
    trace = tmp_path / 'trace.json'
    hook = ProfilerHook(json_trace_path=str(trace), record_shapes=True)
    probe = ClosedProbe(hook)
    make_runner([hook, probe]).train()
    assert probe.closed == [False] * 3 + [True] * 3  # stopped after epoch 1 of 2
    # the three forward passes of epoch 1, not those of epoch 2 or of the validation after it
    assert trace_names(trace).count('aten::linear') == 3


def test_profiles_iterations_and_logs_a_table(make_runner: Callable[..., Any],
                                              capsys: pytest.CaptureFixture) -> None:
    hook = ProfilerHook(by_epoch=False, profile_times=2,
                        on_trace_ready=dict(type='log_trace', sort_by='cpu_time_total',
                                            row_limit=3))
    probe = ClosedProbe(hook)
    make_runner([hook, probe]).train()
    assert probe.closed == [False, False] + [True] * 4
    assert 'Self CPU time total' in capsys.readouterr().out


def test_tb_trace_is_written_under_log_dir(make_runner: Callable[..., Any]) -> None:
    hook = ProfilerHook(on_trace_ready=dict(type='tb_trace', dir_name='traces'))
    runner = make_runner([hook], train_cfg=dict(by_epoch=True, max_epochs=1))
    runner.train()
    assert list((Path(runner.log_dir) / 'traces').glob('*.pt.trace.json'))


def test_a_run_ending_early_still_stops_and_exports(tmp_path: Path) -> None:
    trace = tmp_path / 'trace.json'
    runner = SimpleNamespace(max_epochs=3, max_iters=9, logger=logging.getLogger('t'))
    hook = ProfilerHook(json_trace_path=str(trace))
    hook.after_run(runner)  # a run without training: nothing to stop
    assert not hook._closed and hook.profiler is None
    hook.before_train(runner)
    hook.after_run(runner)  # training stopped before the end of the first epoch
    assert hook._closed and trace.is_file()
    first = hook.profiler
    hook.before_train(runner)  # a second train() is not profiled again
    assert hook.profiler is first


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(profile_times=0), ValueError, 'profile_times must be >= 1, got 0'),
    (dict(profile_times=2), ValueError, 'with by_epoch=True profile_times must be 1'),
    (dict(by_epoch=1), TypeError, 'by_epoch must be a bool, got 1'),
    (dict(activity_with_cuda='yes'), TypeError, 'activity_with_cuda must be a bool'),
    (dict(schedule=[1, 2]), TypeError, 'schedule must be a dict'),
])
def test_invalid_arguments_raise(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ProfilerHook(**kwargs)


@pytest.mark.parametrize('hook_args, runner_args, match', [
    (dict(by_epoch=False, profile_times=5), dict(max_iters=4), 'more than the 4 iterations'),
    (dict(on_trace_ready='print'), {}, 'must be a callable, a dict or None'),
    (dict(on_trace_ready=dict(type='csv_trace')), {}, "type must be 'log_trace' or 'tb_trace'"),
])
def test_invalid_run_settings_raise(hook_args: dict, runner_args: dict, match: str) -> None:
    runner = SimpleNamespace(**{**dict(max_epochs=1, max_iters=4), **runner_args},
                             logger=logging.getLogger('t'), log_dir='.')
    hook = ProfilerHook(**hook_args)
    with pytest.raises(ValueError, match=match):
        hook.before_train(runner)
    assert hook.profiler is None


def test_callable_on_trace_ready_and_schedule() -> None:
    seen: list[Any] = []
    hook = HOOKS.build(dict(type='ProfilerHook', by_epoch=False, profile_times=3,
                            schedule=dict(wait=0, warmup=1, active=1, repeat=1),
                            on_trace_ready=seen.append))
    assert hook.priority == 'VERY_LOW'
    runner = SimpleNamespace(max_epochs=None, max_iters=3, iter=0, logger=logging.getLogger('t'))
    hook.before_train(runner)
    for i in range(3):
        runner.iter = i
        hook.after_train_iter(runner, i)
    assert hook._closed and seen == [hook.profiler]  # one active step: one trace
