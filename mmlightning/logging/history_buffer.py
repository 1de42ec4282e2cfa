"""The history of one logged scalar (``mmengine.logging.HistoryBuffer``).

Difference from MMEngine: :meth:`HistoryBuffer.update` also takes a one-element
``torch.Tensor`` and keeps it as a tensor (detached, copied) instead of calling
``.item()``. Pending tensors become Python numbers the first time the history is
read (a statistic, :attr:`~HistoryBuffer.data`, pickling), all of them in one
device-to-host copy per device and dtype; :func:`materialize` does the same for
many buffers at once. Logging a CUDA loss every iteration therefore costs no
host-device synchronisation until the values are looked at, at log intervals.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from mmlightning.utils.suggestions import did_you_mean

from .errors import LoggingTypeError, LoggingValueError

_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')


def _one_element(value: torch.Tensor) -> torch.Tensor:
    """A detached 0-dim copy of ``value``: later in-place changes do not alter the log."""
    if value.numel() != 1:
        raise LoggingTypeError(f'HistoryBuffer.update takes a tensor with one element, got a '
                               f'tensor of shape {tuple(value.shape)}; log value.mean() or one '
                               'element instead')
    return value.detach().reshape(()).clone()


def materialize(buffers: Iterable[HistoryBuffer]) -> None:
    """Turn the pending tensors of all ``buffers`` into Python numbers.

    Tensors on the same device with the same dtype are stacked and copied to
    the host together, so the whole call synchronises once per (device, dtype)
    rather than once per value.

    Args:
        buffers: History buffers, e.g. ``message_hub.log_scalars.values()``.
    """
    buffers = [buffer for buffer in buffers if buffer._pending_values]
    groups: dict[tuple[torch.device, torch.dtype], list[tuple[list[Any], int]]] = {}
    for buffer in buffers:
        for index, value in enumerate(buffer._pending_values):
            if isinstance(value, torch.Tensor):
                key = (value.device, value.dtype)
                groups.setdefault(key, []).append((buffer._pending_values, index))
    for slots in groups.values():
        stacked = torch.stack([values[index] for values, index in slots])
        for (values, index), number in zip(slots, stacked.tolist()):
            values[index] = number
    for buffer in buffers:
        buffer._append_pending()


class HistoryBuffer:
    """Unified storage of the values logged under one key, with statistics.

    Args:
        log_history: Logged values to start with (numbers or one-element tensors).
        count_history: How many samples each logged value stands for (used as
            the weights of :meth:`mean`); same length as ``log_history``.
        max_length: Most values kept; older ones are dropped.

    Raises:
        ValueError: If ``log_history`` and ``count_history`` differ in length.

    Example::

        >>> buffer = HistoryBuffer()
        >>> buffer.update(1)
        >>> buffer.update(2)
        >>> float(buffer.mean()), float(buffer.max()), buffer.statistics('min')
        (1.5, 2.0, np.float64(1.0))
    """

    _statistics_methods: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(self, log_history: Sequence[Any] = (), count_history: Sequence[Any] = (),
                 max_length: int = 1000000) -> None:
        if isinstance(log_history, torch.Tensor):  # a whole history at once, as np.array reads it
            log_history = log_history.detach().cpu().numpy()
        if isinstance(count_history, torch.Tensor):
            count_history = count_history.detach().cpu().numpy()
        if len(log_history) != len(count_history):
            raise LoggingValueError(
                f'log_history and count_history must have the same length, got '
                f'{len(log_history)} and {len(count_history)}')
        self.max_length = max_length
        if len(log_history) > max_length:
            warnings.warn(f'The length of history buffer({len(log_history)}) exceeds the '
                          f'max_length({max_length}), the first few elements will be ignored.',
                          stacklevel=2)
            log_history, count_history = log_history[-max_length:], count_history[-max_length:]
        values = [_one_element(v) if isinstance(v, torch.Tensor) else v for v in log_history]
        # With tensors among the initial values, the history (and its dtype) is made from
        # them when first read, as np.array(values) would have made it.
        self._pending_initial = any(isinstance(v, torch.Tensor) for v in values)
        self._pending_values: list[Any] = values if self._pending_initial else []
        self._pending_counts: list[Any] = list(count_history) if self._pending_initial else []
        self._log_history = np.array([] if self._pending_initial else values)
        self._count_history = np.array([] if self._pending_initial else count_history)

    def update(self, log_val: int | float | torch.Tensor, count: int | float = 1) -> None:
        """Append a value; the oldest one is dropped beyond ``max_length``.

        Args:
            log_val: The value. A one-element tensor is kept as a tensor and
                converted when the history is next read (no synchronisation here).
            count: How many samples ``log_val`` stands for; weights :meth:`mean`.

        Raises:
            TypeError: If ``log_val`` or ``count`` is not a number (a tensor with more
                than one element included, as in MMEngine).
        """
        if isinstance(log_val, torch.Tensor):
            log_val = _one_element(log_val)
        elif not isinstance(log_val, (int, float)):
            raise TypeError(f'log_val must be an int, float or one-element tensor, got '
                            f'{type(log_val).__name__}: {log_val!r}')
        if not isinstance(count, (int, float)):
            raise TypeError(f'count must be an int or float, got {type(count).__name__}: '
                            f'{count!r}')
        self._pending_values.append(log_val)
        self._pending_counts.append(count)
        if len(self._pending_values) > self.max_length:  # never read: bound what is held
            del self._pending_values[0]
            del self._pending_counts[0]

    def _append_pending(self) -> None:
        """Move the pending (already converted) values into the numpy history."""
        if not self._pending_values:
            return
        if self._pending_initial:
            self._log_history = np.array(self._pending_values)
            self._count_history = np.array(self._pending_counts)
            self._pending_initial = False
        else:
            self._log_history = np.append(self._log_history, self._pending_values)
            self._count_history = np.append(self._count_history, self._pending_counts)
        self._pending_values, self._pending_counts = [], []
        if len(self._log_history) > self.max_length:
            self._log_history = self._log_history[-self.max_length:]
            self._count_history = self._count_history[-self.max_length:]

    def _history(self) -> tuple[np.ndarray, np.ndarray]:
        materialize([self])
        return self._log_history, self._count_history

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The logged values and their counts, as numpy arrays."""
        return self._history()

    @classmethod
    def register_statistics(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Make ``method`` callable as ``buffer.statistics(method.__name__, ...)``.

        Usable as a decorator; ``method`` receives the buffer as first argument.

        Raises:
            ValueError: If a statistic with that name is already registered.
        """
        name = method.__name__
        if name in cls._statistics_methods or name in _DEFAULT_STATISTICS:
            raise LoggingValueError(f'HistoryBuffer statistic {name!r} is already registered; '
                                    'give the function another name')
        cls._statistics_methods[name] = method
        return method

    def statistics(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the statistic named ``method_name`` (``mean``, ``max``, ``min``,
        ``current`` or a registered one) with ``args`` and ``kwargs``.

        Raises:
            KeyError: If no statistic has that name.
        """
        if method_name in _DEFAULT_STATISTICS:
            return getattr(self, method_name)(*args, **kwargs)
        if method_name not in self._statistics_methods:
            names = [*_DEFAULT_STATISTICS, *self._statistics_methods]
            raise KeyError(f'{method_name!r} has not been registered in HistoryBuffer statistics '
                           f'(known: {", ".join(names)}).{did_you_mean(method_name, names)} '
                           'Register new ones with @HistoryBuffer.register_statistics.')
        return self._statistics_methods[method_name](self, *args, **kwargs)

    def _window(self, window_size: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The last ``window_size`` values and counts (all of them if None)."""
        values, counts = self._history()
        if window_size is None:
            return values, counts
        if not isinstance(window_size, numbers.Integral):
            raise LoggingTypeError(f'window_size must be an int or None, got '
                                   f'{type(window_size).__name__}: {window_size!r}')
        # as in MMEngine, window_size=0 means the whole history ([-0:])
        return values[-window_size:], counts[-window_size:]

    def mean(self, window_size: int | None = None) -> np.ndarray:
        """Count-weighted mean of the last ``window_size`` values (all if None or too long)."""
        values, counts = self._window(window_size)
        return values.sum() / counts.sum()

    def max(self, window_size: int | None = None) -> np.ndarray:
        """Maximum of the last ``window_size`` values (all if None or too long)."""
        return self._window(window_size)[0].max()

    def min(self, window_size: int | None = None) -> np.ndarray:
        """Minimum of the last ``window_size`` values (all if None or too long)."""
        return self._window(window_size)[0].min()

    def current(self) -> np.ndarray:
        """The latest value.

        Raises:
            ValueError: If nothing was logged yet.
        """
        values = self._history()[0]
        if len(values) == 0:
            raise ValueError('HistoryBuffer is empty: call update() before current()')
        return values[-1]

    def __getstate__(self) -> dict[str, Any]:
        """Picklable state: pending tensors converted, custom statistics included.

        The keys (``max_length``, ``_log_history``, ``_count_history``,
        ``statistics_methods``) are those of MMEngine's pickled buffers.
        """
        materialize([self])
        state = {key: value for key, value in self.__dict__.items()
                 if not key.startswith('_pending')}
        state['statistics_methods'] = dict(self._statistics_methods)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled buffer (ours or MMEngine's) and its custom statistics."""
        state = dict(state)
        methods = state.pop('statistics_methods', {})
        for name, method in methods.items():
            if name not in _DEFAULT_STATISTICS:
                self._statistics_methods.setdefault(name, method)
        self.__dict__.update(state)
        self._pending_values, self._pending_counts, self._pending_initial = [], [], False
