"""``ProfilerHook``: ``torch.profiler`` around the first epoch(s) or iterations of training."""
from __future__ import annotations

import logging
import os.path as osp
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import profiler

from mmlightning.logging import print_log
from mmlightning.registry import HOOKS

from .hook import DATA_BATCH, Hook

TraceHandler = Callable[[profiler.profile], None]


def check_kineto() -> bool:
    """Whether this torch build has the Kineto profiler ``ProfilerHook`` needs."""
    try:
        return bool(torch.autograd.kineto_available())
    except AttributeError:
        print_log('NO KINETO', logger='current', level=logging.WARNING)
        return False


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Profiles training with :class:`torch.profiler.profile`.

    The profiler starts in ``before_run`` (as MMEngine's; ``before_train``
    starts it too when no run started it) and stops after ``profile_times``
    epochs (``by_epoch``) or iterations, stepping after each iteration. A run
    that ends before that (early stopping, a validation run) stops it in
    ``after_run``. Only the first run of the hook is profiled.

    Args:
        by_epoch: Profile epochs (else iterations).
        profile_times: How many epochs (at most 1) or iterations to profile.
        activity_with_cpu: Record CPU activity.
        activity_with_cuda: Record CUDA activity.
        schedule: Arguments of :func:`torch.profiler.schedule`, or None.
        on_trace_ready: A callable taking the profiler, or
            ``dict(type='log_trace', **table_args)`` (print
            ``key_averages().table(**table_args)``) or
            ``dict(type='tb_trace', dir_name=..., **args)``
            (:func:`torch.profiler.tensorboard_trace_handler`; a relative or
            missing ``dir_name`` is placed under ``runner.log_dir``,
            default ``tf_tracing_logs``).
        record_shapes: Record operators' input shapes.
        profile_memory: Track tensor memory allocation.
        with_stack: Record source file and line of operators.
        with_flops: Estimate FLOPs of matrix multiplications and convolutions.
        json_trace_path: Where to export a Chrome trace (JSON) when profiling
            stops; None: no export.

    Raises:
        ImportError: If this torch build has no Kineto profiler.
        ValueError: If ``profile_times`` < 1, or > 1 with ``by_epoch``.
        TypeError: If ``by_epoch``/``activity_with_*`` are not booleans or
            ``schedule`` is not a dict.
    """

    priority = 'VERY_LOW'

    def __init__(self, *, by_epoch: bool = True, profile_times: int = 1,
                 activity_with_cpu: bool = True, activity_with_cuda: bool = False,
                 schedule: Mapping | None = None,
                 on_trace_ready: TraceHandler | Mapping | None = None,
                 record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False,
                 json_trace_path: str | None = None) -> None:
        if not check_kineto():
            raise ImportError('ProfilerHook needs a torch build with the Kineto profiler')
        for name, value in (('by_epoch', by_epoch), ('activity_with_cpu', activity_with_cpu),
                            ('activity_with_cuda', activity_with_cuda)):
            if not isinstance(value, bool):
                raise TypeError(f'ProfilerHook: {name} must be a bool, got {value!r}')
        if profile_times < 1:
            raise ValueError(f'ProfilerHook: profile_times must be >= 1, got {profile_times}')
        if by_epoch and profile_times > 1:
            raise ValueError(f'ProfilerHook: with by_epoch=True profile_times must be 1 (got '
                             f'{profile_times}): profiling slows training down, so profile one '
                             'epoch, or set by_epoch=False to profile several iterations')
        if schedule is not None and not isinstance(schedule, Mapping):
            raise TypeError('ProfilerHook: schedule must be a dict of torch.profiler.schedule '
                            f'arguments, got {schedule!r}')
        self.by_epoch = by_epoch
        self.profile_times = profile_times
        self.activities = [activity for wanted, activity in (
            (activity_with_cpu, profiler.ProfilerActivity.CPU),
            (activity_with_cuda, profiler.ProfilerActivity.CUDA)) if wanted]
        self.schedule = profiler.schedule(**schedule) if schedule is not None else None
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.json_trace_path = json_trace_path
        self.profiler: profiler.profile | None = None
        self._closed = False

    def before_run(self, runner: Any) -> None:
        """Start the profiler (once: a second run is not profiled).

        Raises:
            ValueError: If training is shorter than ``profile_times``, or
                ``on_trace_ready`` is invalid.
        """
        self._start(runner)

    def before_train(self, runner: Any) -> None:
        """Start the profiler if no run started it (see :meth:`before_run`)."""
        self._start(runner)

    def _start(self, runner: Any) -> None:
        if self.profiler is not None:
            return
        max_times = runner.max_epochs if self.by_epoch else runner.max_iters
        if max_times is not None and max_times < self.profile_times:
            raise ValueError(f'ProfilerHook: profile_times={self.profile_times} is more than the '
                             f'{max_times} {"epochs" if self.by_epoch else "iterations"} of '
                             'training; lower it')
        self.profiler = profiler.profile(
            activities=self.activities, schedule=self.schedule,
            on_trace_ready=self._parse_trace_config(runner), record_shapes=self.record_shapes,
            profile_memory=self.profile_memory, with_stack=self.with_stack,
            with_flops=self.with_flops)
        self.profiler.__enter__()
        runner.logger.info('profiler is profiling...')

    def _parse_trace_config(self, runner: Any) -> TraceHandler | None:
        """The ``on_trace_ready`` handler that ``self.on_trace_ready`` describes."""
        if self.on_trace_ready is None or callable(self.on_trace_ready):
            return self.on_trace_ready
        if not isinstance(self.on_trace_ready, Mapping):
            raise ValueError('ProfilerHook: on_trace_ready must be a callable, a dict or None, '
                             f'got {self.on_trace_ready!r}')
        trace_cfg = dict(self.on_trace_ready)
        trace_type = trace_cfg.pop('type', None)
        if trace_type == 'log_trace':
            def log_handler(prof: profiler.profile) -> None:
                print(prof.key_averages().table(**trace_cfg))

            return log_handler
        if trace_type == 'tb_trace':
            dir_name = trace_cfg.get('dir_name', 'tf_tracing_logs')
            trace_cfg['dir_name'] = dir_name if osp.isabs(dir_name) else \
                osp.join(runner.log_dir, dir_name)
            runner.logger.info(f'trace_files of ProfilerHook will be saved to '
                               f'{trace_cfg["dir_name"]} (view them with TensorBoard and the '
                               'torch-tb-profiler plugin).')
            if self.json_trace_path is not None:
                runner.logger.warning('When using tensorboard_trace, it is recommended to save '
                                      'json files by setting ``worker_name`` instead of '
                                      'setting ``json_trace_path``')
            return profiler.tensorboard_trace_handler(**trace_cfg)
        raise ValueError("ProfilerHook: on_trace_ready's type must be 'log_trace' or 'tb_trace', "
                         f'got {trace_type!r}')

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Step the profiler; stop it after ``profile_times`` iterations (``by_epoch=False``)."""
        if not self._closed and self.profiler is not None:
            self.profiler.step()
        if not self.by_epoch and runner.iter == self.profile_times - 1:
            self._export_chrome_trace(runner)

    def after_train_epoch(self, runner: Any) -> None:
        """Stop the profiler at the end of the first epoch (or of iteration-based training)."""
        self._export_chrome_trace(runner)

    def after_run(self, runner: Any) -> None:
        """Stop a profiler still running because training ended early."""
        self._export_chrome_trace(runner)

    def _export_chrome_trace(self, runner: Any) -> None:
        """Stop the profiler (once) and write ``json_trace_path``."""
        if self._closed or self.profiler is None:
            return
        self._closed = True
        runner.logger.info('profiler may take a few minutes...')
        self.profiler.__exit__(None, None, None)
        if self.json_trace_path is not None:
            self.profiler.export_chrome_trace(self.json_trace_path)
