"""``DistSamplerSeedHook``: gives the training sampler the epoch, so each epoch shuffles anew."""
from __future__ import annotations

from typing import Any

from mmlightning.registry import HOOKS

from .hook import Hook


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Calls ``set_epoch(runner.epoch)`` on the training sampler (and batch sampler's sampler)
    before each epoch."""

    priority = 'NORMAL'

    def before_train_epoch(self, runner: Any) -> None:
        """Set the epoch of the training dataloader's sampler."""
        loader = runner.train_loop.dataloader
        for sampler in (getattr(loader, 'sampler', None),
                        getattr(getattr(loader, 'batch_sampler', None), 'sampler', None)):
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(runner.epoch)
                return
