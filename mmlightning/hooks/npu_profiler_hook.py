"""``NPUProfilerHook``: CANN profiling of training iterations on Ascend NPUs (MMEngine's)."""
from __future__ import annotations

import os
import os.path as osp
from typing import Any

from mmlightning.dist import master_only
from mmlightning.registry import HOOKS

from .hook import DATA_BATCH, Hook


@HOOKS.register_module()
class NPUProfilerHook(Hook):
    """Profiles training iterations ``[begin, end)`` with ``torch_npu.npu.profile``.

    The results (for the ``msprof`` tool) are written to ``result_path``. Only
    rank 0 profiles.

    Args:
        begin: The iteration where profiling starts.
        end: The iteration where it stops (exclusive).
        result_path: Folder of the profiling results.
        exit_after_profiling: Stop training once profiling ended (MMEngine
            exits the process; here the run ends normally, so logs and
            checkpoints are finished).
        use_e2e_profiler: Turn on end-to-end (PyTorch + NPU) profiling.
        ge_profiling_to_std_out: Turn on GE profiling of the host-side
            scheduling (sets ``GE_PROFILING_TO_STD_OUT=1``).

    Raises:
        ImportError: If ``torch_npu`` (Ascend PyTorch) is not installed.
        ValueError: If ``begin >= end``.
    """

    priority = 'VERY_LOW'

    def __init__(self, *, begin: int = 0, end: int = 1, result_path: str = 'cann_profiling',
                 exit_after_profiling: bool = True, use_e2e_profiler: bool = False,
                 ge_profiling_to_std_out: bool = False) -> None:
        try:
            import torch_npu
        except ImportError as error:
            raise ImportError('Failed to import torch_npu module: NPUProfilerHook profiles '
                              'Ascend NPUs and needs Ascend PyTorch (torch_npu); use '
                              'ProfilerHook on CPU/CUDA') from error
        if begin >= end:
            raise ValueError('The iteration to start profiling should not be greater than or '
                             f'equal to profile end (got begin={begin}, end={end})')
        self.begin = begin
        self.end = end
        self.result_path = result_path
        self.exit_after_profiling = exit_after_profiling
        if ge_profiling_to_std_out:
            os.environ['GE_PROFILING_TO_STD_OUT'] = '1'
        if not osp.exists(self.result_path):
            os.makedirs(self.result_path, exist_ok=True)
        self.profiler = torch_npu.npu.profile(self.result_path,
                                              use_e2e_profiler=use_e2e_profiler)

    @master_only
    def before_run(self, runner: Any) -> None:
        """Check that training reaches ``end``.

        Raises:
            ValueError: If ``end`` is past the last iteration.
        """
        if runner.max_iters is not None and self.end > runner.max_iters:
            raise ValueError('The profiling end iteration should not be greater than the max '
                             f'iteration (end={self.end}, max_iters={runner.max_iters})')

    @master_only
    def before_train_iter(self, runner: Any, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Start profiling at iteration ``begin``."""
        if runner.iter == self.begin:
            self.profiler.__enter__()
            runner.logger.info('NPUProfiler starts profiling...')

    @master_only
    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Stop profiling after iteration ``end - 1`` (and training, if asked)."""
        if runner.iter == self.end - 1:
            runner.logger.info('profiler may take a few minutes to save the profiling result.')
            self.profiler.__exit__(None, None, None)
            if self.exit_after_profiling:
                runner.train_loop.stop_training = True
