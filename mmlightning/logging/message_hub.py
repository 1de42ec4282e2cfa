"""MessageHub: logged scalars and runtime information shared by components
(``mmengine.logging.MessageHub``).

Difference from MMEngine: :meth:`MessageHub.update_scalar` keeps a one-element
tensor as a tensor (see :mod:`mmlightning.logging.history_buffer`) instead of
calling ``.item()``, so logging never forces a host-device synchronisation;
values become numbers when a statistic is read or the hub is saved.
"""
from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from mmlightning.utils.manager import ManagerMixin
from mmlightning.utils.suggestions import did_you_mean

from .errors import LoggingKeyError, LoggingTypeError, LoggingValueError
from .history_buffer import HistoryBuffer
from .logger import print_log

_STATE_KEYS = ('log_scalars', 'runtime_info', 'resumed_keys')


def _as_ordered_dict(name: str, value: Mapping[str, Any] | None) -> OrderedDict[str, Any]:
    if value is None:
        return OrderedDict()
    if not isinstance(value, Mapping):
        raise TypeError(f'MessageHub {name} must be a dict or None, got {type(value).__name__}')
    return OrderedDict(value)


def _warn(msg: str) -> None:
    print_log(msg, logger='current', level=logging.WARNING)


def _valid_value(value: Any) -> int | float | torch.Tensor:
    """Numbers and numpy scalars as Python numbers; one-element tensors unchanged (lazy)."""
    if isinstance(value, (np.ndarray, np.number)):
        if value.size != 1:
            raise LoggingValueError(f'A logged scalar must have one element, got an array of '
                                    f'shape {value.shape}')
        return value.item()
    if isinstance(value, (int, float, torch.Tensor)):
        return value
    raise LoggingTypeError(f'A logged scalar must be an int, float, numpy scalar or one-element '
                           f'tensor, got {type(value).__name__}: {value!r}')


def _as_history_buffer(value: Any) -> HistoryBuffer | None:
    """``value`` if a HistoryBuffer; one built from the state of MMEngine's HistoryBuffer
    (same attributes, another class); None for anything else."""
    if isinstance(value, HistoryBuffer):
        return value
    state = getattr(value, '__dict__', {})
    if not {'_log_history', '_count_history', 'max_length'} <= set(state):
        return None
    buffer = HistoryBuffer.__new__(HistoryBuffer)
    buffer.__setstate__({key: state[key] for key in ('_log_history', '_count_history',
                                                      'max_length')})
    return buffer


class MessageHub(ManagerMixin):
    """Logged scalars (as :class:`HistoryBuffer`) and runtime information, by key.

    Scalars (``train/loss``, ``train/lr``, ``val/accuracy``, ...) keep their
    history; runtime information (``epoch``, ``iter``, ``eta``, ...) is
    overwritten on each update. Keys marked ``resumed`` are saved by
    :meth:`state_dict` and restored by :meth:`load_state_dict`.

    Args:
        name: Instance name (see :class:`~mmlightning.utils.ManagerMixin`).
        log_scalars: Initial scalars, ``{key: HistoryBuffer}``.
        runtime_info: Initial runtime information.
        resumed_keys: ``{key: bool}``, whether each key is saved by :meth:`state_dict`.

    Raises:
        TypeError: If an argument is not a dict, or a scalar is not a HistoryBuffer.
        ValueError: If a key of ``resumed_keys`` names neither a scalar nor information.
    """

    def __init__(self, name: str, log_scalars: Mapping[str, HistoryBuffer] | None = None,
                 runtime_info: Mapping[str, Any] | None = None,
                 resumed_keys: Mapping[str, bool] | None = None) -> None:
        super().__init__(name)
        self._log_scalars = _as_ordered_dict('log_scalars', log_scalars)
        self._runtime_info = _as_ordered_dict('runtime_info', runtime_info)
        self._resumed_keys = _as_ordered_dict('resumed_keys', resumed_keys)
        for key, value in self._log_scalars.items():
            if not isinstance(value, HistoryBuffer):
                raise LoggingTypeError(f'log_scalars[{key!r}] must be a HistoryBuffer, got '
                                       f'{type(value).__name__}')
        for key in self._resumed_keys:
            if key not in self._log_scalars and key not in self._runtime_info:
                raise LoggingValueError(f'resumed_keys has {key!r}, which is neither in '
                                        'log_scalars nor in runtime_info')

    @classmethod
    def get_current_instance(cls) -> MessageHub:
        """The latest created hub; one named ``'mmlightning'`` is created if none exists."""
        if not cls._instance_dict:
            cls.get_instance('mmlightning')
        return super().get_current_instance()

    def update_scalar(self, key: str, value: int | float | np.ndarray | torch.Tensor,
                      count: int = 1, resumed: bool = True) -> None:
        """Append ``value`` to the history of ``key`` (created on first use).

        A tensor is not converted here (no synchronisation); it becomes a number
        when a statistic of the history is read.

        Args:
            key: Scalar name, e.g. ``'train/loss'``.
            value: A number, numpy scalar or one-element tensor.
            count: How many samples ``value`` stands for (weights the mean).
            resumed: Whether :meth:`state_dict` saves this key; must not change
                between calls for the same key.

        Raises:
            TypeError: If ``value`` is not a scalar or ``count`` not an int.
            ValueError: If ``resumed`` differs from an earlier call for ``key``.
        """
        self._set_resumed_keys(key, resumed)
        checked = _valid_value(value)
        if not isinstance(count, int):
            raise LoggingTypeError(f'count of scalar {key!r} must be an int, got '
                                   f'{type(count).__name__}: {count!r}')
        if key in self._log_scalars:
            self._log_scalars[key].update(checked, count)
        else:
            self._log_scalars[key] = HistoryBuffer([checked], [count])

    def update_scalars(self, log_dict: Mapping[str, Any], resumed: bool = True) -> None:
        """Call :meth:`update_scalar` for each item.

        Args:
            log_dict: ``{key: value}`` or ``{key: dict(value=..., count=...)}``.
            resumed: Whether these keys are saved by :meth:`state_dict`.

        Raises:
            TypeError: If ``log_dict`` is not a dict.
            KeyError: If a dict item has no ``'value'``.
        """
        if not isinstance(log_dict, Mapping):
            raise LoggingTypeError(f'log_dict must be a dict, got {type(log_dict).__name__}')
        for name, item in log_dict.items():
            if isinstance(item, Mapping):
                if 'value' not in item:
                    raise LoggingKeyError(f"log_dict[{name!r}] is a dict, so it needs a 'value' "
                                          f'key (and optionally a count), got {dict(item)!r}')
                value, count = item['value'], item.get('count', 1)
                if isinstance(count, (torch.Tensor, np.ndarray, np.number)):
                    count = count.item()  # a count must be a Python int
            else:
                value, count = item, 1
            self.update_scalar(name, value, count, resumed)

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        """Set the runtime information ``key`` (overwriting it).

        Raises:
            ValueError: If ``resumed`` differs from an earlier call for ``key``.
        """
        self._set_resumed_keys(key, resumed)
        self._runtime_info[key] = value

    def update_info_dict(self, info_dict: Mapping[str, Any], resumed: bool = True) -> None:
        """Call :meth:`update_info` for each item of ``info_dict``.

        Raises:
            TypeError: If ``info_dict`` is not a dict.
        """
        if not isinstance(info_dict, Mapping):
            raise LoggingTypeError(f'info_dict must be a dict, got {type(info_dict).__name__}')
        for key, value in info_dict.items():
            self.update_info(key, value, resumed=resumed)

    def pop_info(self, key: str, default: Any = None) -> Any:
        """Remove and return the runtime information ``key`` (``default`` if absent)."""
        return self._runtime_info.pop(key, default)

    def _set_resumed_keys(self, key: str, resumed: bool) -> None:
        if key not in self._resumed_keys:
            self._resumed_keys[key] = resumed
        elif self._resumed_keys[key] != resumed:
            raise LoggingValueError(f'{key!r} was logged with resumed={self._resumed_keys[key]}, '
                                    f'now with resumed={resumed}; use the same value for a key '
                                    'every time')

    @property
    def log_scalars(self) -> OrderedDict[str, HistoryBuffer]:
        """All scalar histories (the hub's own dict, not a copy)."""
        return self._log_scalars

    @property
    def runtime_info(self) -> OrderedDict[str, Any]:
        """All runtime information (the hub's own dict, not a copy)."""
        return self._runtime_info

    def get_scalar(self, key: str) -> HistoryBuffer:
        """The history of ``key`` (a reference, not a copy).

        Raises:
            KeyError: If nothing was logged under ``key``.
        """
        if key not in self._log_scalars:
            raise KeyError(f'{key!r} is not found in the log_scalars of MessageHub '
                           f'{self.instance_name!r}.{did_you_mean(key, self._log_scalars)}')
        return self._log_scalars[key]

    def get_info(self, key: str, default: Any = None) -> Any:
        """The runtime information ``key`` (``default`` if absent)."""
        return self._runtime_info.get(key, default)

    def state_dict(self) -> dict[str, Any]:
        """Copies of the resumed scalars and information, and the resumed flags.

        Returns:
            ``{'log_scalars': ..., 'runtime_info': ..., 'resumed_keys': ...}``, the
            layout MMEngine saves under ``message_hub`` in checkpoints. Scalars
            hold numbers only (pending tensors are converted).
        """
        saved_scalars: OrderedDict[str, HistoryBuffer] = OrderedDict()
        saved_info: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in self._log_scalars.items():
            if self._resumed_keys.get(key, False):
                saved_scalars[key] = copy.deepcopy(buffer)
        for key, value in self._runtime_info.items():
            if self._resumed_keys.get(key, False):
                saved_info[key] = self._copy_or_reference(key, value)
        return dict(log_scalars=saved_scalars, runtime_info=saved_info,
                    resumed_keys=self._resumed_keys)

    @staticmethod
    def _copy_or_reference(key: str, value: Any) -> Any:
        try:
            return copy.deepcopy(value)
        except Exception:  # objects that cannot be copied are shared, as in MMEngine
            _warn(f'{key} in message_hub cannot be copied, just return its reference.')
            return value

    def load_state_dict(self, state_dict: Mapping[str, Any] | MessageHub) -> None:
        """Load a :meth:`state_dict` (or copy everything from another hub).

        Scalars saved by MMEngine (its HistoryBuffer class) are converted; other
        scalars that are not HistoryBuffers (old checkpoints) and resumed flags
        of keys that are absent are skipped with a warning. Scalars are loaded by
        reference, runtime information as copies (as in MMEngine).

        Raises:
            KeyError: If a dict lacks ``log_scalars``, ``runtime_info`` or ``resumed_keys``.
            TypeError: If ``state_dict`` is neither a dict nor a MessageHub.
        """
        if isinstance(state_dict, MessageHub):
            self._log_scalars = copy.deepcopy(state_dict._log_scalars)
            self._runtime_info = copy.deepcopy(state_dict._runtime_info)
            self._resumed_keys = copy.deepcopy(state_dict._resumed_keys)
            return
        if not isinstance(state_dict, Mapping):
            raise TypeError(f'MessageHub.load_state_dict takes a dict or a MessageHub, got '
                            f'{type(state_dict).__name__}')
        missing = [key for key in _STATE_KEYS if key not in state_dict]
        if missing:
            raise KeyError(f'The MessageHub state_dict lacks {missing}; it must have the keys '
                           f'{list(_STATE_KEYS)} (as returned by MessageHub.state_dict())')
        for key, value in state_dict['log_scalars'].items():
            buffer = _as_history_buffer(value)
            if buffer is None:
                _warn(f'{key} in message_hub is not HistoryBuffer, just skip resuming it.')
                continue
            self._log_scalars[key] = buffer
        for key, value in state_dict['runtime_info'].items():
            self._runtime_info[key] = self._copy_or_reference(key, value)
        for key, value in state_dict['resumed_keys'].items():
            if key not in self._log_scalars and key not in self._runtime_info:
                _warn(f'resumed key: {key} is not defined in message_hub, just skip resuming '
                      'this key.')
                continue
            if not value:
                _warn(f'Although resumed key: {key} is False, {key} will still be loaded this '
                      'time. This key will not be saved by the next calling of '
                      '`MessageHub.state_dict()`')
            self._resumed_keys[key] = value
