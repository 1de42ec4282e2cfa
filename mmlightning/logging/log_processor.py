"""LogProcessor: MMEngine's log lines from the message hub (``mmengine.runner.LogProcessor``).

The processor reads only these attributes of ``runner`` (an MMEngine-like
Runner or any light view of one):

- ``message_hub`` (scalars ``<mode>/<key>``; runtime info ``eta`` and ``<mode>/...``),
- ``iter``, ``epoch``, ``max_iters``, ``max_epochs``,
- ``train_loop`` / ``val_loop`` / ``test_loop``, each with a sized ``dataloader``
  (only the loop of the mode being logged is read),
- ``_train_loop`` where present (MMEngine: a dict or None until training is set
  up); otherwise ``train_loop is None`` means "not training" (standalone val/test),
- ``model`` (its ``output_device``, if any) when CUDA is available, for ``memory``.

Before reading, all pending tensor scalars of the hub are converted together
(one device-to-host copy per device and dtype per log line).
"""
from __future__ import annotations

import copy
import datetime
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import torch

from mmlightning.device import (
    get_max_cuda_memory,
    get_max_musa_memory,
    is_cuda_available,
    is_musa_available,
)
from mmlightning.registry import LOG_PROCESSORS

from .errors import LoggingTypeError, LoggingValueError
from .history_buffer import materialize

_MODES = ('train', 'val', 'test')


def _remove_prefix(string: str, prefix: str) -> str:
    return string[len(prefix):] if string.startswith(prefix) else string


def _train_loop_built(runner: Any) -> bool:
    if hasattr(runner, '_train_loop'):  # MMEngine's Runner
        return not (runner._train_loop is None or isinstance(runner._train_loop, dict))
    return getattr(runner, 'train_loop', None) is not None


def _check_mode(mode: str, allowed: Sequence[str]) -> None:
    if mode not in allowed:
        raise LoggingValueError(f'mode must be one of {list(allowed)}, got {mode!r}')


def _valid_window_size(window_size: Any) -> bool:
    return window_size is None or isinstance(window_size, int) or window_size in ('epoch', 'global')


def _missing_key_message(where: str, key: str, log_cfg: Mapping[str, Any]) -> str:
    return (f"{where} needs a {key!r} key, got {dict(log_cfg)!r}; e.g. "
            "dict(data_src='loss', method_name='mean', window_size=100)")


@LOG_PROCESSORS.register_module()
class LogProcessor:
    """Formats the scalars of ``runner.message_hub`` into a tag dict and a log line.

    Args:
        window_size: Number of latest values averaged for keys that match
            ``mean_pattern``.
        by_epoch: Whether lines show epochs (``Epoch(train) [1][ 10/100]``) or
            iterations (``Iter(train) [ 10/1000]``).
        custom_cfg: ``[dict(data_src, method_name, window_size=None|int|'epoch'|'global',
            log_name=data_src, ...)]``: statistics other than the defaults. Without
            ``log_name`` the entry replaces ``data_src``; with it, it is logged as well.
        num_digits: Digits after the point in the line.
        log_with_hierarchy: Keep the ``train/``, ``val/`` prefixes in the tag.
        mean_pattern: Keys matching this regular expression are averaged over
            ``window_size``; the others show their latest value.

    Raises:
        TypeError: If ``window_size`` or a ``custom_cfg`` window size has a bad type.
        ValueError: If ``custom_cfg`` is malformed (see :meth:`_check_custom_cfg`).
    """

    def __init__(self, window_size: int = 10, by_epoch: bool = True,
                 custom_cfg: Sequence[Mapping[str, Any]] | None = None, num_digits: int = 4,
                 log_with_hierarchy: bool = False,
                 mean_pattern: str = r'.*(loss|time|data_time|grad_norm).*') -> None:
        if not isinstance(window_size, int):
            raise TypeError(f'LogProcessor window_size must be an int, got {window_size!r}')
        self.window_size = window_size
        self.by_epoch = by_epoch
        self.custom_cfg = [dict(cfg) for cfg in custom_cfg] if custom_cfg else []
        self.num_digits = num_digits
        self.log_with_hierarchy = log_with_hierarchy
        self.mean_pattern = re.compile(mean_pattern)
        self._check_custom_cfg()

    def get_log_after_iter(self, runner: Any, batch_idx: int, mode: str) -> tuple[dict, str]:
        """The tag dict and log line after an iteration of ``mode``.

        Args:
            runner: The runner (view), see the module docstring.
            batch_idx: Index of the batch in the current loop.
            mode: ``'train'``, ``'val'`` or ``'test'``.

        Returns:
            ``(tag, log_str)``: ``tag`` has the statistics plus ``epoch`` (by
            epoch, train/val), ``iter`` and ``memory`` (CUDA).
        """
        _check_mode(mode, _MODES)
        parsed_cfg = self._parse_windows_size(runner, batch_idx, self.custom_cfg)
        log_tag = self._collect_scalars(parsed_cfg, runner, mode)
        tag = (self._collect_scalars(parsed_cfg, runner, mode, True) if self.log_with_hierarchy
               else copy.deepcopy(log_tag))

        lr_items = []
        for key, value in tag.items():
            if key.endswith('lr'):
                key = _remove_prefix(key, f'{mode}/')
                log_tag.pop(key)
                lr_items.append(f'{key}: {value:.{self.num_digits}e}')
        log_str = self._iter_header(runner, batch_idx, mode, tag)
        tag['iter'] = runner.iter + 1 if _train_loop_built(runner) else 0
        log_str += ' '.join(lr_items) + '  '

        if all(key in log_tag for key in ('time', 'data_time')) \
                and 'eta' in runner.message_hub.runtime_info:
            eta = str(datetime.timedelta(seconds=int(runner.message_hub.get_info('eta'))))
            log_str += (f'eta: {eta}  time: {log_tag.pop("time"):.{self.num_digits}f}  '
                        f'data_time: {log_tag.pop("data_time"):.{self.num_digits}f}  ')
        if is_cuda_available() or is_musa_available():
            tag['memory'] = self._get_max_memory(runner)
            log_str += f'memory: {tag["memory"]}  '
        if mode in ('train', 'val'):
            items = [f'{name}: {self._format(value)}' for name, value in log_tag.items()
                     if mode == 'train' or name.startswith('val/loss')]
            log_str += '  '.join(items)
        return tag, log_str

    def _iter_header(self, runner: Any, batch_idx: int, mode: str, tag: dict) -> str:
        """``Epoch(train) [1][ 10/100]  `` / ``Iter(train) [ 10/1000]  ``; sets tag['epoch']."""
        if not self.by_epoch:
            if mode == 'train':
                current, total = self._get_iter(runner, batch_idx), runner.max_iters
            else:
                current, total = batch_idx + 1, self._get_dataloader_size(runner, mode)
            return f'Iter({mode}) [{str(current).rjust(len(str(total)))}/{total}]  '
        total = self._get_dataloader_size(runner, mode)
        iter_str = f'{str(self._get_iter(runner, batch_idx)).rjust(len(str(total)))}/{total}'
        if mode == 'test':
            return f'Epoch({mode}) [{iter_str}]  '
        epoch = self._get_epoch(runner, mode)
        epoch_str = f'[{epoch}]'
        if _train_loop_built(runner):  # right-align: Epoch(train)   [9] ... Epoch(train) [100]
            epoch_str = epoch_str.rjust(len(str(runner.max_epochs)) + 3)
        tag['epoch'] = epoch
        return f'Epoch({mode}){epoch_str}[{iter_str}]  '

    def get_log_after_epoch(self, runner: Any, batch_idx: int, mode: str,
                            with_non_scalar: bool = False) -> tuple[dict, str]:
        """The tag dict and log line after a validation or test epoch.

        Args:
            runner: The runner (view), see the module docstring.
            batch_idx: Index of the last batch of the loop.
            mode: ``'val'`` or ``'test'``.
            with_non_scalar: Also put the ``<mode>/...`` runtime info (e.g.
                confusion matrices) into the returned tag.

        Returns:
            ``(tag, log_str)``; ``time`` and ``data_time`` (epoch means) come last.
        """
        _check_mode(mode, ('val', 'test'))
        total = self._get_dataloader_size(runner, mode)
        if not self.by_epoch:
            log_str = f'Iter({mode}) [{total}/{total}]  '
        elif mode == 'val':
            log_str = f'Epoch({mode}) [{self._get_epoch(runner, mode)}][{total}/{total}]  '
        else:
            log_str = f'Epoch({mode}) [{total}/{total}]  '

        custom_cfg = copy.deepcopy(self.custom_cfg)
        custom_keys = {_remove_prefix(cfg['data_src'], f'{mode}/') for cfg in custom_cfg}
        for key in ('time', 'data_time'):  # epoch means of the timings
            if key not in custom_keys:
                custom_cfg.append(dict(data_src=key, window_size='epoch', method_name='mean'))
        parsed_cfg = self._parse_windows_size(runner, batch_idx, custom_cfg)
        scalars = self._collect_scalars(parsed_cfg, runner, mode, self.log_with_hierarchy)
        non_scalars = self._collect_non_scalars(runner, mode)
        time_keys = (f'{mode}/time', f'{mode}/data_time', 'time', 'data_time')
        tag = OrderedDict((k, v) for k, v in scalars.items() if k not in time_keys)
        time_tag = OrderedDict((k, v) for k, v in scalars.items() if k in time_keys)
        items = [f'{name}: {self._format(value)}'
                 for name, value in chain(tag.items(), non_scalars.items(), time_tag.items())]
        log_str += '  ' + '  '.join(items)
        if with_non_scalar:
            tag.update(non_scalars)
        tag.update(time_tag)
        return tag, log_str

    def _format(self, value: Any) -> Any:
        if isinstance(value, float):
            return f'{value:.{self.num_digits}f}'
        if isinstance(value, (torch.Tensor, np.ndarray)):
            return f'\n{value}\n'  # arrays on their own lines
        return value

    def _collect_scalars(self, custom_cfg: list[dict], runner: Any, mode: str,
                         reserve_prefix: bool = False) -> OrderedDict[str, Any]:
        """Statistics of the ``<mode>/`` scalars: windowed means, latest values, custom ones."""
        history = runner.message_hub.log_scalars
        materialize(history.values())
        mode_history = OrderedDict()
        for prefix_key, buffer in history.items():
            if prefix_key.startswith(mode):
                key = prefix_key if reserve_prefix else _remove_prefix(prefix_key, f'{mode}/')
                mode_history[key] = buffer
        tag: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in mode_history.items():
            if self.mean_pattern.search(key) is not None:
                tag[key] = buffer.mean(self.window_size)
            else:
                tag[key] = buffer.current()
        for log_cfg in copy.deepcopy(custom_cfg):
            data_src = log_cfg.pop('data_src')
            log_name = log_cfg.pop('log_name', data_src)
            if reserve_prefix:
                data_src, log_name = f'{mode}/{data_src}', f'{mode}/{log_name}'
            if data_src in mode_history:
                tag[log_name] = mode_history[data_src].statistics(**log_cfg)
        return tag

    def _collect_non_scalars(self, runner: Any, mode: str) -> OrderedDict[str, Any]:
        """The ``<mode>...`` runtime info (prefix removed unless ``log_with_hierarchy``)."""
        infos: OrderedDict[str, Any] = OrderedDict()
        for prefix_key, value in runner.message_hub.runtime_info.items():
            if prefix_key.startswith(mode):
                key = prefix_key if self.log_with_hierarchy \
                    else _remove_prefix(prefix_key, f'{mode}/')
                infos[key] = value
        return infos

    def _check_custom_cfg(self) -> None:
        """Check ``custom_cfg`` when built (MMEngine finds some of these only at a log line).

        Raises:
            LoggingValueError: If an entry has no ``data_src`` or ``method_name``, two
                entries write the same ``log_name``, or ``window_size='epoch'``
                is used with ``by_epoch=False``.
            LoggingTypeError: If a ``window_size`` is not None, an int, 'epoch' or 'global'.
        """
        seen: set[str] = set()
        for index, log_cfg in enumerate(self.custom_cfg):  # MMEngine's checks first
            where = f'log_processor.custom_cfg[{index}]'
            if 'data_src' not in log_cfg:
                raise LoggingValueError(_missing_key_message(where, 'data_src', log_cfg))
            log_name = log_cfg.get('log_name', log_cfg['data_src'])
            if log_name in seen:
                raise LoggingValueError(
                    f'Found duplicate {log_name} for {log_cfg["data_src"]} in {where}. You should '
                    f'neither define duplicate `{log_name}` for {log_cfg["data_src"]} nor leave '
                    'out `log_name` in several entries of the same data_src; give each entry a '
                    'distinct log_name.')
            seen.add(log_name)
            if log_cfg.get('window_size') == 'epoch' and not self.by_epoch:
                raise LoggingValueError(
                    f'window_size cannot be epoch if LoggerHook.by_epoch is False: {where} has '
                    "window_size='epoch' while by_epoch=False; use an int or 'global'")
        for index, log_cfg in enumerate(self.custom_cfg):
            where = f'log_processor.custom_cfg[{index}]'
            if 'method_name' not in log_cfg:
                raise LoggingValueError(_missing_key_message(where, 'method_name', log_cfg))
            window_size = log_cfg.get('window_size')
            if not _valid_window_size(window_size):
                raise LoggingTypeError(f"{where}: window_size should be int, 'epoch' or 'global', "
                                       f'but got invalid {window_size!r}')

    def _parse_windows_size(self, runner: Any, batch_idx: int,
                            custom_cfg: list[dict] | None = None) -> list[dict]:
        """A copy of ``custom_cfg`` with 'epoch' / 'global' window sizes made ints.

        Raises:
            TypeError: If a ``window_size`` is not None, an int, 'epoch' or 'global'.
        """
        parsed = copy.deepcopy(self.custom_cfg if custom_cfg is None else custom_cfg)
        for log_cfg in parsed:
            window_size = log_cfg.get('window_size')
            if window_size == 'epoch':
                log_cfg['window_size'] = batch_idx + 1
            elif window_size == 'global':
                log_cfg['window_size'] = runner.iter + 1
            elif not _valid_window_size(window_size):
                raise TypeError(f'window_size should be int, epoch or global, but got invalid '
                                f'{window_size!r} (in {log_cfg!r})')
        return parsed

    def _get_max_memory(self, runner: Any) -> int:
        """Peak memory of the runner's device in MB (the peak is reset on CUDA)."""
        device = getattr(getattr(runner, 'model', None), 'output_device', None)
        if is_musa_available():
            return get_max_musa_memory(device)
        return get_max_cuda_memory(device)

    def _get_iter(self, runner: Any, batch_idx: int) -> int:
        """1-based iteration shown in a line: in the epoch (by epoch), else the global one."""
        return batch_idx + 1 if self.by_epoch else runner.iter + 1

    def _get_epoch(self, runner: Any, mode: str) -> int:
        """1-based training epoch; for 'val' the epoch just finished (0 without training).

        Raises:
            ValueError: If ``mode`` is neither 'train' nor 'val'.
        """
        if mode == 'train':
            return runner.epoch + 1
        if mode == 'val':
            return runner.epoch if _train_loop_built(runner) else 0
        raise ValueError(f"runner mode should be 'train' or 'val', but got {mode}; a test "
                         'epoch has no number')

    def _get_cur_loop(self, runner: Any, mode: str) -> Any:
        """``runner.<mode>_loop`` (train, val or test)."""
        _check_mode(mode, _MODES)
        return getattr(runner, f'{mode}_loop')

    def _get_dataloader_size(self, runner: Any, mode: str) -> int:
        """``len(runner.<mode>_loop.dataloader)``."""
        return len(self._get_cur_loop(runner, mode).dataloader)
