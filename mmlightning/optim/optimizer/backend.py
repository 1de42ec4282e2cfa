"""The seam between an :class:`OptimWrapper` and the engine that runs backward and step.

MMEngine's ``OptimWrapper`` calls ``loss.backward()``, ``optimizer.step()``
and ``model.no_sync()`` itself. That is right in plain PyTorch but wrong under
the Lightning Trainer, where (with manual optimization) backward must go
through ``LightningModule.manual_backward`` (AMP loss scaling, DDP reducer),
the step through ``LightningOptimizer.step()`` (precision plugin, strategy,
``global_step``), gradient clipping must run in ``on_before_optimizer_step``
(after the AMP ``unscale_``), and gradient synchronisation is blocked around
the *backward* with ``strategy.block_backward_sync()`` rather than around
the forward.

So the wrapper keeps MMEngine's bookkeeping (accumulation counters, loss
scaling, which clipping to apply, what to log) and delegates every action
that touches autograd, the optimizer or the process group to an
:class:`OptimBackend`:

============================  ==================================================
wrapper call                  backend call
============================  ==================================================
``optim_context(model)``      ``no_sync(model)`` while accumulating (not a sync
                              step)
``backward(loss, **kw)``      ``backward(loss, sync=should_sync(), **kw)``
``step(**kw)``                ``step(optimizer, before_step=clip or None, **kw)``
                              ``before_step`` is the wrapper's clipping (and
                              grad-norm logging); the backend must call it once,
                              after gradients are unscaled and before the update
``zero_grad(**kw)``           ``zero_grad(optimizer, **kw)``
clipping inside before_step   ``clip_grad(params, kind, **clip_kwargs)`` with
                              ``kind`` ``'norm'`` or ``'value'``
============================  ==================================================

:class:`TorchOptimBackend` is the default: it is exactly MMEngine's plain
PyTorch behaviour. :class:`GradScalerBackend` adds a ``torch.amp.GradScaler``
(used by :class:`AmpOptimWrapper`). A Lightning adapter assigns its own backend
with ``optim_wrapper.backend = ...``: ``no_sync`` returns a null context,
``backward`` wraps ``pl_module.manual_backward`` in ``block_backward_sync()``
when ``sync`` is false, ``step`` stores ``before_step`` for
``on_before_optimizer_step`` and calls ``LightningOptimizer.step()``, and
``clip_grad`` may use the FSDP root module's ``clip_grad_norm_``.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn
from torch.optim import Optimizer

#: The gradient clipping functions behind ``clip_grad=dict(type=...)``.
CLIP_FUNCTIONS: dict[str, Callable[..., torch.Tensor | None]] = {
    'norm': nn.utils.clip_grad_norm_,
    'value': nn.utils.clip_grad_value_,
}


@runtime_checkable
class OptimBackend(Protocol):
    """What an :class:`OptimWrapper` needs from the engine that trains the model."""

    def no_sync(self, model: nn.Module) -> AbstractContextManager[Any]:
        """Context around the forward of a step that must not sync gradients."""

    def backward(self, loss: torch.Tensor, *, sync: bool, **kwargs: Any) -> None:
        """Back-propagate ``loss``; ``sync`` is false while gradients accumulate."""

    def step(self, optimizer: Optimizer, *, before_step: Callable[[], None] | None = None,
             **kwargs: Any) -> None:
        """Update the parameters, calling ``before_step`` on unscaled gradients first."""

    def zero_grad(self, optimizer: Optimizer, **kwargs: Any) -> None:
        """Reset the gradients of ``optimizer``'s parameters."""

    def clip_grad(self, params: list[torch.Tensor], kind: str,
                  **kwargs: Any) -> torch.Tensor | None:
        """Clip the gradients of ``params`` by ``kind`` (``'norm'`` or ``'value'``)."""


class TorchOptimBackend:
    """Plain PyTorch: ``loss.backward()``, ``optimizer.step()``, ``model.no_sync()``."""

    def no_sync(self, model: nn.Module) -> AbstractContextManager[Any]:
        """``model.no_sync()`` when the model has it (DDP), else a null context."""
        no_sync = getattr(model, 'no_sync', None)
        return no_sync() if callable(no_sync) else nullcontext()

    def backward(self, loss: torch.Tensor, *, sync: bool, **kwargs: Any) -> None:
        """``loss.backward(**kwargs)``; syncing was decided by :meth:`no_sync` in the forward."""
        loss.backward(**kwargs)

    def step(self, optimizer: Optimizer, *, before_step: Callable[[], None] | None = None,
             **kwargs: Any) -> None:
        """Call ``before_step`` (clipping), then ``optimizer.step(**kwargs)``."""
        if before_step is not None:
            before_step()
        optimizer.step(**kwargs)

    def zero_grad(self, optimizer: Optimizer, **kwargs: Any) -> None:
        """``optimizer.zero_grad(**kwargs)``."""
        optimizer.zero_grad(**kwargs)

    def clip_grad(self, params: list[torch.Tensor], kind: str,
                  **kwargs: Any) -> torch.Tensor | None:
        """``torch.nn.utils.clip_grad_norm_`` or ``clip_grad_value_`` on ``params``."""
        return CLIP_FUNCTIONS[kind](params, **kwargs)


class GradScalerBackend(TorchOptimBackend):
    """Plain PyTorch with a ``torch.amp.GradScaler`` (MMEngine's ``AmpOptimWrapper`` logic).

    Args:
        scaler: The gradient scaler; a disabled one makes this a plain backend.
        update_param: Passed to ``scaler.update`` after each step; MMEngine
            sets it to the static loss scale so that the scale never changes.
    """

    def __init__(self, scaler: torch.amp.GradScaler, update_param: float | None = None) -> None:
        self.scaler = scaler
        self.update_param = update_param

    def backward(self, loss: torch.Tensor, *, sync: bool, **kwargs: Any) -> None:
        """``scaler.scale(loss).backward(**kwargs)``."""
        self.scaler.scale(loss).backward(**kwargs)

    def step(self, optimizer: Optimizer, *, before_step: Callable[[], None] | None = None,
             **kwargs: Any) -> None:
        """Unscale and clip (when clipping), ``scaler.step``, then ``scaler.update``."""
        if before_step is not None:
            self.scaler.unscale_(optimizer)
            before_step()
        self.scaler.step(optimizer, **kwargs)
        self.scaler.update(self.update_param)
