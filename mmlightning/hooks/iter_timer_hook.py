"""``IterTimerHook``: iteration and data-loading times, and the ETA (``mmengine.hooks``).

Scalars ``<mode>/data_time`` (from the end of the previous iteration, or the
start of the epoch, to the start of this one) and ``<mode>/time`` (the whole
iteration), and the runtime information ``eta`` in seconds.

Note: as the message hub converts logged tensors lazily, the host does not
wait for the device every iteration; a single iteration's ``time`` may then
show only the host's share, and the waiting lands in the iteration that reads
the values (a log line). Means over a logging window are unaffected.
"""
from __future__ import annotations

import time
from typing import Any

from mmlightning.registry import HOOKS

from .hook import DATA_BATCH, Hook


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Logs the time spent in each iteration and in loading its data, and the ETA."""

    priority = 'NORMAL'

    def __init__(self) -> None:
        self.time_sec_tot = 0.0
        self.time_sec_test_val = 0.0
        self.start_iter = 0
        self.t = time.time()

    def before_train(self, runner: Any) -> None:
        """Count the ETA from the iteration training starts (or resumes) at."""
        self.start_iter = runner.iter

    def _before_epoch(self, runner: Any, mode: str = 'train') -> None:
        """Start timing the epoch's first iteration."""
        self.t = time.time()

    def _after_epoch(self, runner: Any, mode: str = 'train') -> None:
        """Reset the validation/test time total."""
        self.time_sec_test_val = 0.0

    def _before_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                     mode: str = 'train') -> None:
        """Record ``<mode>/data_time``."""
        runner.message_hub.update_scalar(f'{mode}/data_time', time.time() - self.t)

    def _after_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: Any = None, mode: str = 'train') -> None:
        """Record ``<mode>/time`` and the ETA of the training run or of the current loop."""
        hub = runner.message_hub
        now = time.time()
        iter_time = now - self.t  # the buffer's current(), without reading the buffer
        hub.update_scalar(f'{mode}/time', iter_time)
        self.t = now
        if mode == 'train':
            self.time_sec_tot += iter_time
            time_sec_avg = self.time_sec_tot / (runner.iter - self.start_iter + 1)
            eta_sec = time_sec_avg * (runner.max_iters - runner.iter - 1)
        else:
            dataloader = runner.val_dataloader if mode == 'val' else runner.test_dataloader
            self.time_sec_test_val += iter_time
            time_sec_avg = self.time_sec_test_val / (batch_idx + 1)
            eta_sec = time_sec_avg * (len(dataloader) - batch_idx - 1)
        hub.update_info('eta', eta_sec)
