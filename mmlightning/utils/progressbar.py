"""Progress bars for loops and process pools (MMEngine's ``progressbar``)."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing import Pool
from multiprocessing.pool import Pool as PoolType
from shutil import get_terminal_size
from typing import Any, TextIO

from ._text_progress import TextProgress
from .errors import AssertValueError
from .timer import Timer

_REFRESH_INTERVAL = 0.1  # seconds between two redraws of a bar


class ProgressBar:
    """A progress bar: drawn with ``rich`` on a terminal, MMEngine's text elsewhere.

    On a terminal (``file.isatty()``) the bar is redrawn in place by ``rich`` (at
    most 10 times a second). Any other stream (a file, a pipe, a ``StringIO``) gets
    MMEngine's text, character for character: the initial state when started, then
    one ``\r``-prefixed line per update. A bar with a known ``task_num`` finishes by
    itself when all tasks are done (the text ends with a newline); call
    :meth:`close` for a bar without one.

    Args:
        task_num: Total number of tasks; 0 when unknown (only counts are shown).
        bar_width: Width of the bar in characters.
        start: Start (draw) the bar in the constructor.
        file: Stream to write to. Defaults to ``sys.stdout`` at construction.

    Examples:
        >>> bar = ProgressBar(10)  # doctest: +SKIP
        >>> for _ in range(10):  # doctest: +SKIP
        ...     bar.update()
    """

    def __init__(self, task_num: int = 0, bar_width: int = 50, start: bool = True,
                 file: TextIO | None = None) -> None:
        self.task_num = task_num
        self.bar_width = bar_width
        self.completed = 0
        self.file = sys.stdout if file is None else file
        self._progress: Any = None
        self._text: TextProgress | None = None
        self._started = False
        if start:
            self.start()

    @property
    def terminal_width(self) -> int:
        """Width of the terminal (``COLUMNS`` when set), as MMEngine's bar reads it."""
        return get_terminal_size().columns

    def start(self) -> None:
        """Start (or restart) the display and the timer; ``completed`` is kept."""
        self.close()
        isatty = getattr(self.file, 'isatty', None)
        if isatty is not None and isatty():
            from ._rich_progress import bar_progress

            self._progress = bar_progress(self.task_num, self.bar_width, self.file)
            self._progress.start()
            total = self.task_num if self.task_num > 0 else None
            self._task_id = self._progress.add_task('', total=total, completed=self.completed)
            self._last_refresh = time.monotonic()
        else:
            self._text = TextProgress(self.task_num, self.bar_width, self.file)
            self._text.start()
        self._started = True
        self.timer = Timer()

    def update(self, num_tasks: int = 1) -> None:
        """Mark ``num_tasks`` more tasks as done.

        Args:
            num_tasks: Number of tasks just completed.

        Updates after the bar finished (more tasks than ``task_num``) or was closed
        are counted in ``completed`` but not drawn.

        Raises:
            ValueError: If ``num_tasks`` is not positive (also an ``AssertionError``,
                as MMEngine asserts it).
            RuntimeError: If the bar was never started.
        """
        if num_tasks <= 0:
            raise AssertValueError(f'num_tasks must be a positive number, got {num_tasks}')
        if not self._started:
            raise RuntimeError('The progress bar was not started: call start() before update()')
        self.completed += num_tasks
        if self._text is not None:
            self._text.update(self.completed)
        elif self._progress is not None:
            now = time.monotonic()
            refresh = now - self._last_refresh >= _REFRESH_INTERVAL
            if refresh:
                self._last_refresh = now
            self._progress.update(self._task_id, completed=self.completed, refresh=refresh)
        else:  # finished or closed: count, draw nothing more
            return
        if 0 < self.task_num <= self.completed:
            self.close()

    def close(self) -> None:
        """Draw the final state and end the display (no-op if not running)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self._text is not None:
            self._text.stop()
            self._text = None


def _split_tasks(tasks: Sequence | tuple[Iterable, int]) -> tuple[Iterable, int]:
    """Return ``(iterable, task_num)`` from a sequence or an ``(iterable, count)`` tuple."""
    if isinstance(tasks, tuple):
        if (len(tasks) != 2 or not isinstance(tasks[0], Iterable)
                or not isinstance(tasks[1], int)):
            raise TypeError(
                'A tuple "tasks" must be (iterable_of_tasks, number_of_tasks), got '
                f'{tasks!r:.80}; pass a list to give the tasks themselves.')
        return tasks[0], tasks[1]
    if isinstance(tasks, Sequence):
        return tasks, len(tasks)
    raise TypeError(
        f'"tasks" must be a tuple object or a sequence object, but got {type(tasks)}; '
        'for an iterator pass (iterator, number_of_tasks).')


def track_progress(func: Callable, tasks: Sequence | tuple[Iterable, int], bar_width: int = 50,
                   file: TextIO | None = None, **kwargs: Any) -> list:
    """Apply ``func`` to each task in a loop, showing a progress bar.

    Args:
        func: Called as ``func(task, **kwargs)``.
        tasks: A sequence of tasks, or a tuple ``(iterable_of_tasks, number_of_tasks)``.
        bar_width: Width of the bar.
        file: Stream the bar is written to. Defaults to ``sys.stdout``.
        **kwargs: Passed to ``func``.

    Returns:
        The results, in task order.

    Raises:
        TypeError: If ``tasks`` is neither a sequence nor an ``(iterable, int)`` tuple.
    """
    task_iter, task_num = _split_tasks(tasks)
    prog_bar = ProgressBar(task_num, bar_width, file=file)
    results = []
    try:
        for task in task_iter:
            results.append(func(task, **kwargs))
            prog_bar.update()
    finally:
        prog_bar.close()
    return results


def track_iter_progress(tasks: Sequence | tuple[Iterable, int], bar_width: int = 50,
                        file: TextIO | None = None) -> Iterator:
    """Yield the tasks one by one, showing a progress bar.

    Args:
        tasks: A sequence of tasks, or a tuple ``(iterable_of_tasks, number_of_tasks)``.
        bar_width: Width of the bar.
        file: Stream the bar is written to. Defaults to ``sys.stdout``.

    Yields:
        Each task.

    Raises:
        TypeError: If ``tasks`` is neither a sequence nor an ``(iterable, int)`` tuple.
    """
    task_iter, task_num = _split_tasks(tasks)
    prog_bar = ProgressBar(task_num, bar_width, file=file)
    try:
        for task in task_iter:
            yield task
            prog_bar.update()
    finally:
        prog_bar.close()


def init_pool(process_num: int, initializer: Callable | None = None,
              initargs: tuple | None = None) -> PoolType:
    """Create a ``multiprocessing.Pool``.

    Raises:
        TypeError: If ``initargs`` is given and is not a tuple.
    """
    if initializer is None:
        return Pool(process_num)
    if initargs is None:
        return Pool(process_num, initializer)
    if not isinstance(initargs, tuple):
        raise TypeError(f'"initargs" must be a tuple, got {type(initargs).__name__}')
    return Pool(process_num, initializer, initargs)


def track_parallel_progress(func: Callable,
                            tasks: Sequence | tuple[Iterable, int],
                            nproc: int,
                            initializer: Callable | None = None,
                            initargs: tuple | None = None,
                            bar_width: int = 50,
                            chunksize: int = 1,
                            skip_first: bool = False,
                            keep_order: bool = True,
                            file: TextIO | None = None) -> list:
    """Apply ``func`` to each task in a process pool, showing a progress bar.

    Args:
        func: A picklable function called as ``func(task)``.
        tasks: A sequence of tasks, or a tuple ``(iterable_of_tasks, number_of_tasks)``.
        nproc: Number of worker processes.
        initializer: Worker initializer (see :class:`multiprocessing.pool.Pool`).
        initargs: Arguments of ``initializer``.
        bar_width: Width of the bar.
        chunksize: Tasks sent to a worker at once.
        skip_first: Leave the first ``nproc * chunksize`` results (worker start-up)
            out of the bar and its speed estimate.
        keep_order: Return results in task order (``imap``) rather than in
            completion order (``imap_unordered``).
        file: Stream the bar is written to. Defaults to ``sys.stdout``.

    Returns:
        The results.

    Raises:
        TypeError: If ``tasks`` or ``initargs`` have the wrong type.
    """
    task_iter, task_num = _split_tasks(tasks)
    skipped = nproc * chunksize if skip_first else 0
    results = []
    with init_pool(nproc, initializer, initargs) as pool:
        prog_bar = ProgressBar(task_num - skipped, bar_width, not skip_first, file=file)
        imap = pool.imap if keep_order else pool.imap_unordered
        try:
            for result in imap(func, task_iter, chunksize):
                results.append(result)
                if len(results) < skipped:
                    continue
                if skip_first and len(results) == skipped:
                    prog_bar.start()
                    continue
                prog_bar.update()
        finally:
            prog_bar.close()
        pool.close()
        pool.join()
    return results
