"""Average running time of a function or code block (MMEngine's ``TimeCounter``)."""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar

import torch

from ..errors import AssertValueError


def _is_main_process() -> bool:
    """Rank 0, or no initialized process group."""
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def _synchronize() -> None:
    """Wait for the pending kernels of the accelerator in use, if any."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    elif hasattr(torch, 'musa') and torch.musa.is_available():
        torch.musa.synchronize()
    elif torch.backends.mps.is_available():
        torch.mps.synchronize()


class TimeCounter:
    """Log the average running time of a function (decorator) or a ``with`` block.

    Instances are shared by ``tag``: ``TimeCounter(tag='x')`` returns the same
    counter every time, so a block timed in a loop accumulates. Timing only happens
    on the main process (rank 0); elsewhere the function and the block run untimed.

    Args:
        log_interval: Log every ``log_interval`` runs.
        warmup_interval: Runs before this one are not timed (warm-up). At least 1.
        with_sync: Synchronize the accelerator (CUDA, MUSA, MPS) around the timed code.
        tag: Name in the log line; the function name when used as a decorator.
            Required for a ``with`` block.
        logger: Logger for the log lines (level INFO); ``print`` if None.

    Raises:
        ValueError: If ``warmup_interval`` is smaller than 1 (also an ``AssertionError``,
            as MMEngine asserts it).

    Examples:
        >>> @TimeCounter(tag='forward')  # doctest: +SKIP
        ... def forward(x):
        ...     return x * 2
        >>> forward(1)  # doctest: +SKIP
        [forward]-time per run averaged in the past 1 runs: 0.0 ms
        >>> with TimeCounter(tag='block'):  # doctest: +SKIP
        ...     pass
        [block]-time per run averaged in the past 1 runs: 0.0 ms
    """

    instance_dict: ClassVar[dict[str | None, TimeCounter]] = {}

    log_interval: int
    warmup_interval: int
    with_sync: bool
    tag: str | None
    logger: logging.Logger | None

    def __new__(cls,
                log_interval: int = 1,
                warmup_interval: int = 1,
                with_sync: bool = True,
                tag: str | None = None,
                logger: logging.Logger | None = None) -> TimeCounter:
        if warmup_interval < 1:
            raise AssertValueError(f'warmup_interval must be at least 1, got {warmup_interval}')
        if tag is not None and tag in cls.instance_dict:
            return cls.instance_dict[tag]
        instance = super().__new__(cls)
        cls.instance_dict[tag] = instance
        instance.log_interval = log_interval
        instance.warmup_interval = warmup_interval
        instance.with_sync = with_sync
        instance.tag = tag
        instance.logger = logger
        instance._count = 0
        instance._pure_inf_time = 0.0
        instance._start_time = 0.0
        return instance

    def __call__(self, fn: Callable) -> Callable:
        if self.tag is None:
            self.tag = fn.__name__

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _is_main_process():
                return fn(*args, **kwargs)
            self._begin()
            result = fn(*args, **kwargs)
            self._end()
            return result

        return wrapper

    def __enter__(self) -> None:
        if self.tag is None:
            raise AssertValueError('In order to clearly distinguish printing information in '
                             'different contexts, please specify the tag parameter: '
                             "TimeCounter(tag='...')")
        if _is_main_process():
            self._begin()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if _is_main_process():
            self._end()

    def _begin(self) -> None:
        self._count += 1
        if self.with_sync:
            _synchronize()
        self._start_time = time.perf_counter()

    def _end(self) -> None:
        if self.with_sync:
            _synchronize()
        self.print_time(time.perf_counter() - self._start_time)

    def print_time(self, elapsed: int | float) -> None:
        """Add ``elapsed`` seconds to the total and log the average when it is due."""
        if self._count < self.warmup_interval:
            return
        self._pure_inf_time += elapsed
        if self._count % self.log_interval == 0:
            times_per_count = 1000 * self._pure_inf_time / (
                self._count - self.warmup_interval + 1)
            message = (f'[{self.tag}]-time per run averaged in the past {self._count} runs: '
                       f'{times_per_count:.1f} ms')
            if self.logger is None:
                print(message)
            else:
                self.logger.info(message)
