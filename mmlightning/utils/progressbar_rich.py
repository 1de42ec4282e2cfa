"""``track_progress_rich``: a rich progress bar over a loop or a process pool."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from multiprocessing import Pool
from typing import Any


class _Worker:
    """Call ``func`` with a task's arguments and return the result with the task index."""

    def __init__(self, func: Callable) -> None:
        self.func = func

    def __call__(self, indexed_task: tuple[Any, int]) -> tuple[Any, int]:
        inputs, idx = indexed_task
        if not isinstance(inputs, (tuple, list)):
            inputs = (inputs, )
        return self.func(*inputs), idx


def _count_tasks(tasks: Iterable, task_num: int | None) -> tuple[Iterable, int | None]:
    """Check ``tasks`` against ``task_num``; empty ``tasks`` means ``task_num`` no-arg calls."""
    if not isinstance(tasks, Sized):
        return tasks, task_num
    if len(tasks) == 0:
        if task_num is None:
            raise ValueError('If tasks is an empty iterable, task_num must be set to the '
                             'number of calls of a function without arguments')
        return tuple(() for _ in range(task_num)), task_num
    if task_num is not None and task_num != len(tasks):
        raise ValueError(
            f'task_num does not match the length of tasks: {task_num} != {len(tasks)}; '
            'leave task_num as None for a sized tasks')
    return tasks, len(tasks)


def track_progress_rich(func: Callable,
                        tasks: Iterable = tuple(),
                        task_num: int | None = None,
                        nproc: int = 1,
                        chunksize: int = 1,
                        description: str = 'Processing',
                        color: str = 'blue') -> list:
    """Apply ``func`` to each task, in this process or in a pool, with a rich progress bar.

    Args:
        func: The function. A task that is a tuple or list is unpacked into
            positional arguments; any other task is passed as the single argument.
        tasks: The tasks. Empty (the default) with ``task_num`` set calls ``func()``
            ``task_num`` times.
        task_num: Number of tasks, needed when ``tasks`` has no length.
        nproc: Number of processes; 1 runs in this process.
        chunksize: Tasks sent to a worker at once.
        description: Text shown left of the bar.
        color: Colour of the completed part of the bar.

    Returns:
        The results, in task order.

    Raises:
        TypeError: If ``func`` is not callable or ``tasks`` is not iterable.
        ValueError: If ``task_num`` is missing or wrong, or ``nproc`` is not positive.

    Examples:
        >>> track_progress_rich(pow, [(2, 3), (3, 2)])  # doctest: +SKIP
        [8, 9]
    """
    from ._rich_progress import rich_progress

    if not callable(func):
        raise TypeError(f'func must be a callable object, got {func!r}')
    if not isinstance(tasks, Iterable):
        raise TypeError(f'tasks must be an iterable object, but got {type(tasks)}')
    tasks, task_num = _count_tasks(tasks, task_num)
    if nproc <= 0:
        raise ValueError(f'nproc must be a positive number, got {nproc}')

    prog_bar = rich_progress(skip_times=nproc * chunksize if nproc > 1 else 0, color=color)
    worker = _Worker(func)
    task_id = prog_bar.add_task(description, total=task_num)
    indexed: Iterator[tuple[Any, int]] = ((task, idx) for idx, task in enumerate(tasks))
    with prog_bar:
        if nproc == 1:
            results = []
            for task in indexed:
                results.append(worker(task)[0])
                prog_bar.update(task_id, advance=1, refresh=True)
            return results
        with Pool(nproc) as pool:
            unordered = []
            for result, idx in pool.imap_unordered(worker, indexed, chunksize):
                unordered.append((result, idx))
                prog_bar.update(task_id, advance=1, refresh=True)
    ordered: list = [None] * len(unordered)
    for result, idx in unordered:
        ordered[idx] = result
    return ordered
