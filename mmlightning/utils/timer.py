"""A wall-clock timer and named check points (MMEngine's ``utils/timer.py``)."""
from __future__ import annotations

from time import time
from types import TracebackType


class TimerError(Exception):
    """Raised when a stopped :class:`Timer` is queried.

    Args:
        message: The error message, also kept as ``self.message``.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class Timer:
    """A wall-clock timer, usable as a context manager that prints the elapsed time.

    Args:
        start: Start the timer on construction.
        print_tmpl: Format of the time (seconds) printed when the ``with`` block
            ends. Defaults to ``'{:.3f}'``.

    Examples:
        >>> timer = Timer()
        >>> timer.since_start() >= 0
        True
        >>> with Timer(print_tmpl='took {:.0f} s'):
        ...     pass
        took 0 s
    """

    def __init__(self, start: bool = True, print_tmpl: str | None = None) -> None:
        self._is_running = False
        self.print_tmpl = print_tmpl if print_tmpl else '{:.3f}'
        if start:
            self.start()

    @property
    def is_running(self) -> bool:
        """Whether the timer is running."""
        return self._is_running

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        print(self.print_tmpl.format(self.since_last_check()))
        self._is_running = False

    def start(self) -> None:
        """Start the timer (if stopped) and set the last check point to now."""
        if not self._is_running:
            self._t_start = time()
            self._is_running = True
        self._t_last = time()

    def _check_running(self) -> None:
        if not self._is_running:
            raise TimerError('timer is not running; call start() first')

    def since_start(self) -> float:
        """Seconds since the timer started; also sets the last check point.

        Raises:
            TimerError: If the timer is not running.
        """
        self._check_running()
        self._t_last = time()
        return self._t_last - self._t_start

    def since_last_check(self) -> float:
        """Seconds since the last check (:meth:`since_start` or this method).

        Raises:
            TimerError: If the timer is not running.
        """
        self._check_running()
        now = time()
        duration = now - self._t_last
        self._t_last = now
        return duration


_g_timers: dict[str, Timer] = {}


def check_time(timer_id: str) -> float:
    """Seconds since the previous call with the same ``timer_id``.

    The first call for an id starts its timer and returns 0.

    Args:
        timer_id: Name of the timer.

    Returns:
        The time since the last check point of that timer.
    """
    if timer_id not in _g_timers:
        _g_timers[timer_id] = Timer()
        return 0
    return _g_timers[timer_id].since_last_check()
