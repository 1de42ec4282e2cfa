"""``ParamSchedulerHook``: steps the parameter schedulers at MMEngine's points."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mmlightning.registry import HOOKS

from .hook import DATA_BATCH, Hook


def _schedulers(runner: Any) -> Iterator[Any]:
    schedulers = runner.param_schedulers
    if schedulers is None:
        return
    if isinstance(schedulers, dict):
        for group in schedulers.values():
            yield from group
    elif isinstance(schedulers, list):
        yield from schedulers
    else:
        raise TypeError('runner.param_schedulers should be list of ParamScheduler or a dict '
                        'containing list of ParamScheduler, but got '
                        f'{type(schedulers).__name__}')


@HOOKS.register_module()
class ParamSchedulerHook(Hook):
    """Steps iteration-based schedulers after each iteration, epoch-based ones after each
    epoch, and those that need validation metrics (ReduceOnPlateau) after validation."""

    priority = 'LOW'

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Step the schedulers with ``by_epoch=False``."""
        for scheduler in _schedulers(runner):
            if not scheduler.by_epoch:
                scheduler.step()

    def after_train_epoch(self, runner: Any) -> None:
        """Step the schedulers with ``by_epoch=True``."""
        for scheduler in _schedulers(runner):
            if scheduler.by_epoch:
                scheduler.step()

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Step the epoch-based schedulers that need the validation ``metrics``."""
        if metrics is None:
            return
        for scheduler in _schedulers(runner):
            if scheduler.by_epoch and getattr(scheduler, 'need_val_args', False):
                scheduler.step(metrics)
