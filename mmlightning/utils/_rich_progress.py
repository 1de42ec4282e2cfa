"""Rich building blocks for the progress bars (imported lazily: ``rich`` is slow to import)."""
from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class SpeedColumn(ProgressColumn):
    """Average tasks per second since the start, as ``'12.3 task/s'``."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed:
            return Text('-- task/s', style='progress.data.speed')
        return Text(f'{task.completed / elapsed:.1f} task/s', style='progress.data.speed')


class SkipFirstTimeRemainingColumn(TimeRemainingColumn):
    """Time remaining, shown only once more than ``skip_times`` tasks are done.

    The first results of a process pool arrive late (worker start-up), which would
    make the first estimates meaningless.

    Args:
        skip_times: Number of completed tasks to wait for.
    """

    def __init__(self, *args, skip_times: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skip_times = skip_times

    def render(self, task: Task) -> Text:
        if task.completed <= self.skip_times:
            return Text('-:--:--', style='progress.remaining')
        return super().render(task)


def _progress(*columns: ProgressColumn | str, file: TextIO | None) -> Progress:
    # Refreshed by the caller (no thread), and never hijacks sys.stdout/stderr.
    return Progress(*columns, console=Console(file=file), auto_refresh=False,
                    redirect_stdout=False, redirect_stderr=False)


def bar_progress(task_num: int, bar_width: int, file: TextIO | None) -> Progress:
    """The display of :class:`ProgressBar`: a bar with counts when ``task_num > 0``."""
    if task_num > 0:
        return _progress(BarColumn(bar_width=bar_width), MofNCompleteColumn(), SpeedColumn(),
                         TextColumn('elapsed:'), TimeElapsedColumn(), TextColumn('ETA:'),
                         TimeRemainingColumn(), file=file)
    return _progress(TextColumn('completed: {task.completed}, elapsed:'), TimeElapsedColumn(),
                     SpeedColumn(), file=file)


def rich_progress(skip_times: int, color: str) -> Progress:
    """The display of :func:`track_progress_rich`."""
    return _progress(TextColumn('{task.description}'), BarColumn(complete_style=color),
                     SkipFirstTimeRemainingColumn(skip_times=skip_times), MofNCompleteColumn(),
                     TaskProgressColumn(show_speed=True), file=None)
