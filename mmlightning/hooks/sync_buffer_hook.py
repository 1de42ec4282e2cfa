"""``SyncBuffersHook``: average the model's buffers (BatchNorm statistics) across ranks."""
from __future__ import annotations

from typing import Any

from mmlightning import dist
from mmlightning.registry import HOOKS

from .hook import Hook


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """All-reduces (averages) ``runner.model``'s buffers after each training epoch.

    Before a validation epoch that no training epoch just synchronised (as with
    iteration-based training), the buffers are averaged then. In a single
    process nothing happens. Unlike MMEngine, which decides in ``__init__``,
    whether the run is distributed is checked at each point: hooks are built
    before Lightning starts the process group.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        #: Whether ``after_train_epoch`` synchronised since the last validation.
        self.called_in_train = False

    @property
    def distributed(self) -> bool:
        """Whether a process group of several ranks is running."""
        return dist.is_distributed()

    def before_val_epoch(self, runner: Any) -> None:
        """Average the buffers unless the training epoch just did."""
        if self.distributed:
            if not self.called_in_train:
                dist.all_reduce_params(runner.model.buffers(), op='mean')
            self.called_in_train = False

    def after_train_epoch(self, runner: Any) -> None:
        """Average the buffers."""
        if self.distributed:
            dist.all_reduce_params(runner.model.buffers(), op='mean')
            self.called_in_train = True
