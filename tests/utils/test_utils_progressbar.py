"""Tests for the rich progress bars and the track_* helpers."""
from __future__ import annotations

import io
import os

import pytest

from mmlightning.utils import (
    ProgressBar,
    track_iter_progress,
    track_parallel_progress,
    track_progress,
    track_progress_rich,
)
from mmlightning.utils.timer import Timer

_BAR_CHAR = '━'


@pytest.fixture(autouse=True)
def plain_console(monkeypatch):
    """Keep rich from treating a StringIO as a terminal because of the environment."""
    for name in ('FORCE_COLOR', 'TTY_COMPATIBLE', 'TTY_INTERACTIVE', 'COLUMNS'):
        monkeypatch.delenv(name, raising=False)


class _FakeTerminal(io.StringIO):

    def isatty(self):
        return True


def _square(x):
    return x * x


def _set_offset(value):
    os.environ['MMLIGHTNING_TEST_OFFSET'] = str(value)


def _add_offset(x):
    return x + int(os.environ['MMLIGHTNING_TEST_OFFSET'])


def _fail_on_two(x):
    if x == 2:
        raise RuntimeError('task two failed')
    return x


def test_progress_bar_with_total_writes_mmengine_text(monkeypatch):
    monkeypatch.setenv('COLUMNS', '80')
    monkeypatch.setattr(Timer, 'since_start', lambda self: 2.0)
    out = io.StringIO()
    bar = ProgressBar(4, bar_width=10, file=out)
    assert out.getvalue() == '[          ] 0/4, elapsed: 0s, ETA:'
    bar.update()
    assert out.getvalue().endswith('\r[>>        ] 1/4, 0.5 task/s, elapsed: 2s, ETA:     6s')
    bar.update(3)
    assert out.getvalue().endswith('\r[>>>>>>>>>>] 4/4, 2.0 task/s, elapsed: 2s, ETA:     0s\n')
    assert bar.completed == 4
    text = out.getvalue()
    bar.close()  # finished already: closing again writes nothing
    assert out.getvalue() == text


def test_progress_bar_text_narrows_to_the_terminal(monkeypatch):
    monkeypatch.setattr(Timer, 'since_start', lambda self: 1.0)
    out = io.StringIO()
    bar = ProgressBar(10, bar_width=20, file=out)
    for columns, length in (('80', 66), ('30', 48), ('60', 60)):
        monkeypatch.setenv('COLUMNS', columns)
        out.truncate(0)
        out.seek(0)
        bar.update()
        assert len(out.getvalue()) == length
        assert bar.terminal_width == int(columns)


def test_progress_bar_without_total_counts(monkeypatch):
    monkeypatch.setattr(Timer, 'since_start', lambda self: 1.0)
    out = io.StringIO()
    bar = ProgressBar(file=out)
    assert out.getvalue() == 'completed: 0, elapsed: 0s'
    for _ in range(5):
        bar.update()
    assert out.getvalue().endswith('completed: 5, elapsed: 1s, 5.0 tasks/s')
    bar.close()
    assert out.getvalue().endswith('\n')


def test_progress_bar_delayed_start_and_errors():
    out = io.StringIO()
    bar = ProgressBar(2, file=out, start=False)
    with pytest.raises(RuntimeError, match='call start\\(\\) before update\\(\\)'):
        bar.update()
    bar.start()
    with pytest.raises(ValueError, match='num_tasks must be a positive number, got 0'):
        bar.update(0)
    bar.update(2)
    assert '2/2' in out.getvalue()


def test_progress_bar_counts_updates_past_the_total():
    out = io.StringIO()
    bar = ProgressBar(2, file=out)
    bar.update(2)
    final = out.getvalue()
    bar.update(3)  # e.g. a last distributed batch overshooting len(dataset)
    assert bar.completed == 5
    assert out.getvalue() == final


def test_progress_bar_on_terminal_redraws():
    out = _FakeTerminal()
    bar = ProgressBar(3, bar_width=6, file=out)
    bar.update(3)
    text = out.getvalue()
    assert '0/3' in text  # drawn at start
    assert '3/3' in text  # and at the end
    assert _BAR_CHAR * 6 in text  # by rich


def test_track_progress():
    out = io.StringIO()
    assert track_progress(_square, [1, 2, 3], file=out) == [1, 4, 9]
    assert '3/3' in out.getvalue()
    out = io.StringIO()
    results = track_progress(lambda x, k: x + k, (iter([1, 2]), 2), bar_width=8, file=out, k=10)
    assert results == [11, 12]
    assert '2/2' in out.getvalue()


def test_track_progress_to_stdout_by_default(capsys):
    track_progress(_square, [1, 2])
    assert '2/2' in capsys.readouterr().out


def test_track_progress_closes_the_bar_on_error():
    out = io.StringIO()
    with pytest.raises(RuntimeError, match='task two failed'):
        track_progress(_fail_on_two, [1, 2, 3], file=out)
    assert '1/3' in out.getvalue()


@pytest.mark.parametrize(('tasks', 'match'), [
    ({1, 2}, 'must be a tuple object or a sequence object'),
    ((1, 2, 3), 'must be \\(iterable_of_tasks, number_of_tasks\\)'),
    (([1], '1'), 'must be \\(iterable_of_tasks, number_of_tasks\\)'),
    ((1, 1), 'must be \\(iterable_of_tasks, number_of_tasks\\)'),
])
def test_track_functions_reject_bad_tasks(tasks, match):
    with pytest.raises(TypeError, match=match):
        track_progress(_square, tasks, file=io.StringIO())
    with pytest.raises(TypeError, match=match):
        list(track_iter_progress(tasks, file=io.StringIO()))
    with pytest.raises(TypeError, match=match):
        track_parallel_progress(_square, tasks, 2, file=io.StringIO())


def test_track_iter_progress():
    out = io.StringIO()
    seen = [task for task in track_iter_progress(['a', 'b', 'c'], bar_width=5, file=out)]
    assert seen == ['a', 'b', 'c']
    assert '3/3' in out.getvalue() and '>' * 5 in out.getvalue()
    out = io.StringIO()
    assert list(track_iter_progress((iter(range(3)), 3), file=out)) == [0, 1, 2]


def test_track_parallel_progress():
    out = io.StringIO()
    assert track_parallel_progress(_square, list(range(6)), 2, file=out) == [0, 1, 4, 9, 16, 25]
    assert '6/6' in out.getvalue()
    out = io.StringIO()
    results = track_parallel_progress(_add_offset, [1, 2, 3, 4, 5], 2, initializer=_set_offset,
                                      initargs=(100, ), skip_first=True, keep_order=False,
                                      file=out)
    assert sorted(results) == [101, 102, 103, 104, 105]
    assert '3/3' in out.getvalue()  # the first nproc * chunksize results are left out


def test_track_parallel_progress_errors():
    with pytest.raises(TypeError, match='"initargs" must be a tuple, got list'):
        track_parallel_progress(_add_offset, [1], 2, initializer=_set_offset, initargs=[1],
                                file=io.StringIO())
    with pytest.raises(RuntimeError, match='task two failed'):
        track_parallel_progress(_fail_on_two, [1, 2, 3], 2, file=io.StringIO())


def test_track_progress_rich_single_process(capsys):
    assert track_progress_rich(pow, [(2, 3), [3, 2], (4, 0)]) == [8, 9, 1]
    out = capsys.readouterr().out
    assert 'Processing' in out and '3/3' in out
    assert track_progress_rich(_square, [1, 2, 3], description='Squares') == [1, 4, 9]
    assert 'Squares' in capsys.readouterr().out
    assert track_progress_rich(lambda: 7, task_num=2) == [7, 7]
    assert track_progress_rich(_square, iter([2, 3])) == [4, 9]


def test_track_progress_rich_pool_keeps_order(capsys):
    assert track_progress_rich(_square, list(range(8)), nproc=2, chunksize=2) == [
        x * x for x in range(8)]
    assert '8/8' in capsys.readouterr().out


@pytest.mark.parametrize(('kwargs', 'error', 'match'), [
    (dict(func=1, tasks=[1]), TypeError, 'func must be a callable object, got 1'),
    (dict(func=_square, tasks=1), TypeError, 'tasks must be an iterable object'),
    (dict(func=_square), ValueError, 'task_num must be set'),
    (dict(func=_square, tasks=[1, 2], task_num=3), ValueError, 'does not match.*3 != 2'),
    (dict(func=_square, tasks=[1], nproc=0), ValueError, 'nproc must be a positive number'),
])
def test_track_progress_rich_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        track_progress_rich(**kwargs)


def test_track_progress_rich_pool_error_propagates(capsys):
    with pytest.raises(RuntimeError, match='task two failed'):
        track_progress_rich(_fail_on_two, [1, 2, 3], nproc=2)
