"""``LoggerHook``: MMEngine's log lines, scalar files and test results (``mmengine.hooks``).

Every ``interval`` iterations the line made by ``runner.log_processor`` goes to
``runner.logger`` (``work_dir/<timestamp>/<timestamp>.log``) and its scalars to
``runner.visualizer.add_scalars`` (``vis_data/scalars.json`` and
``vis_data/<timestamp>.json`` with a local backend). Validation epochs log their
metrics; a test epoch also dumps its results to ``<log_dir>/<timestamp>.json``.

Differences from MMEngine:

- After a training run, the loss, learning-rate and metric curves are drawn to
  ``vis_data/scalars.png`` (``Visualizer.plot_scalars``); a failure only warns.
- ``out_dir`` is a local folder or any URL fsspec knows, written through
  :mod:`mmlightning.fileio` (``backend_args=dict(storage_options=...)`` passes
  filesystem arguments); ``file_client_args`` (deprecated in MMEngine) is ignored with a
  warning.
"""
from __future__ import annotations

import json
import logging
import os
import os.path as osp
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mmlightning import fileio
from mmlightning.logging import print_log
from mmlightning.registry import HOOKS
from mmlightning.utils import is_seq_of, scandir

from .hook import DATA_BATCH, Hook

SUFFIX_TYPE = Sequence[str] | str


def _check_args(interval: Any, ignore_last: Any, interval_exp_name: Any, out_dir: Any,
                out_suffix: Any, keep_local: Any, file_client_args: Any,
                backend_args: Any) -> None:
    """Raise MMEngine's errors for bad LoggerHook arguments (and ours for remote storage)."""
    for name, value in (('interval', interval), ('interval_exp_name', interval_exp_name)):
        if not isinstance(value, int):
            raise TypeError(f'{name} must be an integer, got {value!r}')
        if value <= 0:
            raise ValueError(f'{name} must be greater than 0, got {value}')
    for name, value in (('ignore_last', ignore_last), ('keep_local', keep_local)):
        if not isinstance(value, bool):
            raise TypeError(f'{name} must be a boolean, got {value!r}')
    if out_dir is not None and not isinstance(out_dir, (str, Path)):
        raise TypeError(f'out_dir must be a str or Path object, got {type(out_dir).__name__}')
    if not (isinstance(out_suffix, str) or is_seq_of(out_suffix, str)):
        raise TypeError('out_suffix should be a string or a sequence of string, but got '
                        f'{type(out_suffix)}')
    if out_dir is None and file_client_args is not None:
        raise ValueError('file_client_args should be "None" when `out_dir` is not specified.')
    if file_client_args is not None:
        print_log('"file_client_args" will be deprecated in future. Please use "backend_args" '
                  'instead; LoggerHook ignores file_client_args (out_dir is written through '
                  'fsspec: backend_args=dict(storage_options={...}))', logger='current',
                  level=logging.WARNING)
        if backend_args is not None:
            raise ValueError('"file_client_args" and "backend_args" cannot be set at the same '
                             'time.')


def _training(runner: Any) -> bool:
    """Whether the train loop is built (False for a standalone ``val()``/``test()``)."""
    loop = getattr(runner, '_train_loop', None)
    return loop is not None and not isinstance(loop, dict)


def _json_value(value: Any) -> Any:
    """``value`` as a JSON type: containers recursively, arrays and tensors as lists."""
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return value.tolist()
    return None  # not representable in JSON


@HOOKS.register_module()
class LoggerHook(Hook):
    """Writes the logs formatted by ``runner.log_processor`` to the logger and visualizer.

    Args:
        interval: Log every ``interval`` iterations. Defaults to 10.
        ignore_last: Skip the last iterations of an epoch when fewer than
            ``interval`` remain. Defaults to True.
        interval_exp_name: Log the experiment name every this many
            iterations (and at the end of each epoch). Defaults to 1000.
        out_dir: A local folder or a URL to copy the logs to after the run, into
            ``<out_dir>/<basename of work_dir>``. Defaults to None (no copy).
        out_suffix: Files of ``log_dir`` ending with these are copied.
            Defaults to ``('.json', '.log', '.py', 'yaml')``.
        keep_local: Keep the local logs once copied to ``out_dir``. Defaults to True.
        file_client_args: Deprecated in MMEngine; ignored with a warning (``out_dir``
            is written through fsspec, configured by ``backend_args``).
        log_metric_by_epoch: Write validation metrics with ``step`` = the epoch
            (True) or the iteration (False). Defaults to True.
        backend_args: ``dict(storage_options={...})``: arguments of the fsspec
            filesystem of ``out_dir`` (see :mod:`mmlightning.fileio`).

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``interval`` or ``interval_exp_name`` is not positive, or
            ``file_client_args`` is set without ``out_dir`` or with ``backend_args``.

    Example::

        >>> default_hooks = dict(logger=dict(type='LoggerHook', interval=20))
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, interval: int = 10, ignore_last: bool = True,
                 interval_exp_name: int = 1000, out_dir: str | Path | None = None,
                 out_suffix: SUFFIX_TYPE = ('.json', '.log', '.py', 'yaml'),
                 keep_local: bool = True, file_client_args: dict | None = None,
                 log_metric_by_epoch: bool = True, backend_args: dict | None = None) -> None:
        _check_args(interval, ignore_last, interval_exp_name, out_dir, out_suffix, keep_local,
                    file_client_args, backend_args)
        self.interval = interval
        self.ignore_last = ignore_last
        self.interval_exp_name = interval_exp_name
        self.out_suffix = out_suffix
        self.out_dir: str | None = None if out_dir is None else str(out_dir)
        self._out_root = self.out_dir
        self.keep_local = keep_local
        self.file_client_args = file_client_args
        self.backend_args = backend_args
        self.log_metric_by_epoch = log_metric_by_epoch
        self.json_log_path: str | None = None
        self._trained = False

    def before_run(self, runner: Any) -> None:
        """Name the JSON log after the run's timestamp; resolve ``out_dir``."""
        if self._out_root is not None:
            basename = osp.basename(runner.work_dir.rstrip(osp.sep))
            self.out_dir = fileio.join_path(self._out_root, basename)
            runner.logger.info(f'Text logs will be saved to {self.out_dir} after the training '
                               'process.')
        self.json_log_path = f'{runner.timestamp}.json'
        self._trained = False

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Log the experiment name, then (at intervals) the training line and its scalars."""
        end_of_epoch = self.end_of_epoch(runner.train_dataloader, batch_idx)
        if self.every_n_train_iters(runner, self.interval_exp_name) or end_of_epoch:
            runner.logger.info(f'Exp name: {runner.experiment_name}')
        if not (self.every_n_inner_iters(batch_idx, self.interval) or (
                end_of_epoch and (not self.ignore_last
                                  or len(runner.train_dataloader) <= self.interval))):
            return
        tag, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, 'train')
        runner.logger.info(log_str)
        runner.visualizer.add_scalars(tag, step=runner.iter + 1, file_path=self.json_log_path)

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Any = None) -> None:
        """Log the validation line at intervals."""
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, 'val')
            runner.logger.info(log_str)

    def after_test_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Any = None) -> None:
        """Log the test line at intervals."""
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, 'test')
            runner.logger.info(log_str)

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Log the metrics; write them with ``step`` = the epoch (or iteration)."""
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.val_dataloader), 'val')
        runner.logger.info(log_str)
        if not _training(runner):
            step = 0
        else:
            step = runner.epoch if self.log_metric_by_epoch else runner.iter
        runner.visualizer.add_scalars(tag, step=step, file_path=self.json_log_path)

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Log the metrics and dump them (non-scalar ones too) to ``<log_dir>/<timestamp>.json``."""
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        with open(osp.join(runner.log_dir, self.json_log_path), 'w', encoding='utf-8') as f:
            json.dump(self._process_tags(tag), f)

    @staticmethod
    def _process_tags(tags: dict) -> OrderedDict:
        """``tags`` with JSON types only (values JSON cannot hold become None)."""
        return OrderedDict(_json_value(tags))

    def after_train(self, runner: Any) -> None:
        """Remember that this run trained (its curves are drawn after the run)."""
        self._trained = True

    def after_run(self, runner: Any) -> None:
        """Draw the curves of a training run, close the visualizer, copy logs to ``out_dir``."""
        if self._trained:
            self._plot_curves(runner)
        runner.visualizer.close()
        if self.out_dir is not None:
            self._copy_logs(runner)

    @staticmethod
    def _plot_curves(runner: Any) -> None:
        """``vis_data/scalars.png`` of each local backend; a failure is only a warning."""
        plot_scalars = getattr(runner.visualizer, 'plot_scalars', None)
        if plot_scalars is None:
            return
        try:
            paths = plot_scalars()
        except Exception as error:  # drawing is a convenience: never fail the run for it
            runner.logger.warning(f'The training curves were not drawn: {error!r}')
            return
        for path in paths or []:
            runner.logger.info(f'Training curves drawn to {path}')

    def _copy_logs(self, runner: Any) -> None:
        """Copy the ``out_suffix`` files of ``log_dir`` to ``out_dir`` (and maybe delete them)."""
        suffix = self.out_suffix if isinstance(self.out_suffix, str) else tuple(self.out_suffix)
        copied = []
        for filename in scandir(runner.log_dir, suffix, True):
            local_path = osp.join(runner.log_dir, filename)
            out_path = fileio.join_path(self.out_dir, *filename.split(os.sep))
            with open(local_path, 'rb') as f:
                fileio.put(f.read(), out_path, backend_args=self.backend_args)
            copied.append(local_path)
            runner.logger.info(f'The file {local_path} has been uploaded to {out_path}.')
            if not self.keep_local:
                runner.logger.info(f'{local_path} was removed due to the `self.keep_local=False`.'
                                   f' You can check the running logs in {out_path}')
        if not self.keep_local:
            for handler in list(runner.logger.handlers):  # release the log file (Windows)
                if isinstance(handler, logging.FileHandler):
                    handler.close()  # and detach it: a later record would recreate the file
                    runner.logger.removeHandler(handler)
            for path in copied:
                os.remove(path)
