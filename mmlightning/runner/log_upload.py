"""Uploads the log folder of a run whose ``work_dir`` is a URL while the run goes on.

Logs are written to a local mirror (see :mod:`mmlightning.runner.work_dir`). Uploading them
only when the run ends would leave nothing behind after a crash that kills the process, so
rank 0 also uploads them at each checkpoint and at most every ``every_seconds`` during
training; each upload sends only the files that changed since the previous one.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lightning.pytorch import Callback

from .work_dir import WorkDir


class LogUploader(Callback):
    """Keeps the URL's copy of a run's log folder recent.

    Args:
        work_dir: The run's work dir (a URL; nothing happens for a local one).
        log_dir: The local folder of this run's logs.
        every_seconds: Upload after a training batch when this long has passed since the
            last upload. Defaults to 60.
        clock: The time source (seconds); tests pass a fake one.
    """

    def __init__(self, work_dir: WorkDir, log_dir: str, every_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.work_dir = work_dir
        self.log_dir = log_dir
        self.every_seconds = every_seconds
        self._clock = clock
        self._last = clock()

    def upload(self, trainer: Any) -> None:
        """Upload the changed log files (rank 0 only)."""
        if trainer.is_global_zero:
            self.work_dir.upload(self.log_dir)
        self._last = self._clock()

    def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
        if self._clock() - self._last >= self.every_seconds:
            self.upload(trainer)

    def on_save_checkpoint(self, trainer: Any, *args: Any) -> None:
        self.upload(trainer)

    def on_validation_end(self, trainer: Any, *args: Any) -> None:
        self.upload(trainer)
