"""The OptimWrapper backend under Lightning: backward, step and clipping through the Trainer.

With manual optimization, backward must go through ``manual_backward`` (AMP
loss scaling, the DDP reducer), the step through ``LightningOptimizer.step()``
(precision plugin, strategy, ``global_step``), gradient synchronisation is
blocked around the *backward* with ``strategy.block_backward_sync()``, and
clipping runs in ``on_before_optimizer_step``, after the AMP ``unscale_``
(see ``shared/notes/lightning.md`` §1).
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import torch
from lightning.pytorch.core.optimizer import LightningOptimizer
from lightning.pytorch.strategies import FSDPStrategy, ParallelStrategy
from torch import nn
from torch.optim import Optimizer

from mmlightning.optim.optimizer.backend import CLIP_FUNCTIONS

if TYPE_CHECKING:
    from lightning.pytorch import LightningModule


def raw_optimizer(optimizer: Optimizer | LightningOptimizer) -> Optimizer:
    """The torch optimizer inside a ``LightningOptimizer`` (or the optimizer itself)."""
    return optimizer.optimizer if isinstance(optimizer, LightningOptimizer) else optimizer


class LightningOptimBackend:
    """Runs an ``OptimWrapper``'s backward, step and clipping through a ``LightningModule``.

    Args:
        pl_module: The module being trained (manual optimization).
    """

    def __init__(self, pl_module: LightningModule) -> None:
        self.pl_module = pl_module
        self._before_step: dict[int, Callable[[], None]] = {}

    def no_sync(self, model: nn.Module) -> AbstractContextManager[Any]:
        """A null context: under Lightning, syncing is blocked around the backward instead."""
        return nullcontext()

    def backward(self, loss: torch.Tensor, *, sync: bool, **kwargs: Any) -> None:
        """``manual_backward``, inside ``block_backward_sync()`` while gradients accumulate."""
        strategy = self.pl_module.trainer.strategy
        blocked = not sync and isinstance(strategy, ParallelStrategy)
        with strategy.block_backward_sync() if blocked else nullcontext():
            self.pl_module.manual_backward(loss, **kwargs)

    def step(self, optimizer: Optimizer, *, before_step: Callable[[], None] | None = None,
             **kwargs: Any) -> None:
        """Step the ``LightningOptimizer``; ``before_step`` runs in ``on_before_optimizer_step``."""
        if before_step is not None:
            self._before_step[id(optimizer)] = before_step
        try:
            self._lightning_optimizer(optimizer).step(**kwargs)
        finally:
            self._before_step.pop(id(optimizer), None)

    def zero_grad(self, optimizer: Optimizer, **kwargs: Any) -> None:
        """``optimizer.zero_grad(**kwargs)``."""
        optimizer.zero_grad(**kwargs)

    def clip_grad(self, params: list[torch.Tensor], kind: str,
                  **kwargs: Any) -> torch.Tensor | None:
        """Clip ``params``; under FSDP the norm uses the root module's ``clip_grad_norm_``."""
        strategy = self.pl_module.trainer.strategy
        if kind == 'norm' and isinstance(strategy, FSDPStrategy):
            return strategy.model.clip_grad_norm_(**kwargs)
        return CLIP_FUNCTIONS[kind](params, **kwargs)

    def run_before_step(self, optimizer: Optimizer | LightningOptimizer) -> None:
        """Called from ``on_before_optimizer_step``: gradients are unscaled now, so clip."""
        before_step = self._before_step.get(id(raw_optimizer(optimizer)))
        if before_step is not None:
            before_step()

    def _lightning_optimizer(self, optimizer: Optimizer) -> LightningOptimizer:
        optimizers = self.pl_module.optimizers()
        for candidate in optimizers if isinstance(optimizers, list) else [optimizers]:
            if raw_optimizer(candidate) is optimizer:
                return candidate
        raise RuntimeError('the OptimWrapper steps an optimizer the Trainer does not know; '
                           'optimizers must come from MMLightningModule.configure_optimizers')
