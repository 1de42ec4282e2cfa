"""``OptimWrapper``: backward, step, accumulation and clipping behind one interface.

The wrapper keeps MMEngine's semantics (counters, loss scaling, clipping,
logging) and routes every action on autograd, the optimizer and the process
group through its :attr:`OptimWrapper.backend` (see
:mod:`mmlightning.optim.optimizer.backend` for the seam a Lightning adapter
plugs into).
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.optim import Optimizer

from mmlightning.registry import OPTIM_WRAPPERS
from mmlightning.utils.suggestions import did_you_mean

from .._errors import AssertRuntimeError, AssertValueError
from .backend import CLIP_FUNCTIONS, OptimBackend, TorchOptimBackend
from .base import BaseOptimWrapper

logger = logging.getLogger('mmlightning')


def _current_message_hub() -> Any | None:
    """The current ``MessageHub``, or ``None`` while ``mmlightning.logging`` has none."""
    try:
        from mmlightning.logging import MessageHub  # type: ignore[attr-defined]
    except ImportError:
        return None
    return MessageHub.get_current_instance()


def _parse_clip_grad(clip_grad: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Split ``clip_grad`` into its type and the clip function's arguments, validated."""
    if not isinstance(clip_grad, Mapping) or not clip_grad:
        raise AssertValueError(
            'If `clip_grad` is not None, it should be a `dict` which is the arguments of '
            f'`torch.nn.utils.clip_grad_norm_` or clip_grad_value_`, got {clip_grad!r}; e.g. '
            "clip_grad=dict(max_norm=35, norm_type=2) or dict(type='value', clip_value=1.0).")
    kwargs = dict(clip_grad)
    kind = kwargs.pop('type', 'norm')
    if kind not in CLIP_FUNCTIONS:
        raise ValueError(f'type of clip_grad should be "norm" or "value" but got {kind!r}.'
                         f'{did_you_mean(str(kind), CLIP_FUNCTIONS)}')
    function = CLIP_FUNCTIONS[kind]
    accepted = [name for name in inspect.signature(function).parameters if name != 'parameters']
    unknown = [key for key in kwargs if key not in accepted]
    if not kwargs:
        raise AssertValueError(
            '`clip_grad` should contain other arguments besides `type`. The arguments should '
            f'match with the `torch.nn.utils.{function.__name__}`: one of {accepted}, got '
            f'clip_grad={dict(clip_grad)!r}.')
    if unknown:
        hint = ''.join(did_you_mean(key, accepted) for key in unknown)
        raise ValueError(
            f'clip_grad={dict(clip_grad)!r}: {function.__name__} accepts {accepted}'
            f', got unknown {unknown!r}.{hint}')
    return kind, kwargs


@OPTIM_WRAPPERS.register_module()
class OptimWrapper(BaseOptimWrapper):
    """Updates parameters with gradient accumulation and clipping (MMEngine's ``OptimWrapper``).

    ``update_params(loss)`` scales the loss for accumulation, back-propagates
    it and, every ``accumulative_counts`` calls (or at the last call set by
    :meth:`initialize_count_status`), clips the gradients, steps and zeroes
    them. Run the forward inside :meth:`optim_context` to skip the gradient
    all-reduce of DDP while accumulating.

    Example::

        >>> model = nn.Linear(2, 1)
        >>> wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1),
        ...                        accumulative_counts=2, clip_grad=dict(max_norm=1.0))
        >>> for _ in range(4):
        ...     with wrapper.optim_context(model):
        ...         loss = model(torch.ones(1, 2)).sum()
        ...     wrapper.update_params(loss)

    Args:
        optimizer: The optimizer updating the parameters.
        accumulative_counts: Number of ``update_params`` calls whose gradients
            are accumulated into one step.
        clip_grad: ``None`` (no clipping) or the arguments of
            ``torch.nn.utils.clip_grad_norm_`` (``type='norm'``, the default:
            ``max_norm``, ``norm_type``, ``error_if_nonfinite``, ``foreach``)
            or of ``clip_grad_value_`` (``type='value'``: ``clip_value``,
            ``foreach``). The clipped norm is logged as ``train/grad_norm``
            (``train/grad_value`` never, as ``clip_grad_value_`` returns nothing).

    Raises:
        ValueError: If ``accumulative_counts`` is not a positive int, or
            ``clip_grad`` is empty or has an unknown type or arguments (an empty
            ``clip_grad`` and a bad ``accumulative_counts`` also raise an ``AssertionError``).
    """

    def __init__(self,
                 optimizer: Optimizer,
                 accumulative_counts: int = 1,
                 clip_grad: dict | None = None) -> None:
        super().__init__(optimizer)
        if isinstance(accumulative_counts, bool) or not isinstance(accumulative_counts, int) \
                or accumulative_counts < 1:
            raise AssertValueError(
                '_accumulative_counts at least greater than or equal to 1: accumulative_counts '
                f'must be an int >= 1, got {accumulative_counts!r}')
        self._accumulative_counts = accumulative_counts
        self.clip_grad_kwargs: dict[str, Any] | None = None
        self.grad_name: str | None = None
        if clip_grad is not None:
            self._clip_type, self.clip_grad_kwargs = _parse_clip_grad(clip_grad)
            self.grad_name = f'grad_{self._clip_type}'
        self._inner_count = 0
        # Total number of `update_params` calls, so that the last, shorter
        # accumulation window also steps; -1 until initialize_count_status.
        self._max_counts = -1
        self._remainder_counts = -1
        self._backend: OptimBackend = TorchOptimBackend()

    # ------------------------------------------------------------- the seam
    @property
    def backend(self) -> OptimBackend:
        """Who runs backward, step, zero_grad, clipping and ``no_sync`` (plain torch by default)."""
        return self._backend

    @backend.setter
    def backend(self, backend: OptimBackend) -> None:
        if not isinstance(backend, OptimBackend):
            raise TypeError(
                f'backend must implement OptimBackend (no_sync, backward, step, zero_grad, '
                f'clip_grad), got {type(backend).__name__}')
        self._backend = backend

    # ------------------------------------------------------------- updating
    def update_params(self,  # type: ignore[override]
                      loss: torch.Tensor,
                      step_kwargs: dict | None = None,
                      zero_kwargs: dict | None = None) -> None:
        """Scale ``loss``, back-propagate it, and step and zero the gradients when due.

        Args:
            loss: The loss of this iteration.
            step_kwargs: Keyword arguments of ``optimizer.step``.
            zero_kwargs: Keyword arguments of ``optimizer.zero_grad``.
        """
        loss = self.scale_loss(loss)
        self.backward(loss)
        if self.should_update():
            self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Back-propagate ``loss`` through the backend and count the call.

        Args:
            loss: The (already scaled) loss.
            **kwargs: Keyword arguments of ``torch.Tensor.backward``.
        """
        self._backend.backward(loss, sync=self.should_sync(), **kwargs)
        self._inner_count += 1

    def zero_grad(self, **kwargs: Any) -> None:
        """Reset the gradients (keyword arguments of ``optimizer.zero_grad``)."""
        self._backend.zero_grad(self.optimizer, **kwargs)

    def step(self, **kwargs: Any) -> None:
        """Clip the gradients if configured, then step (keyword arguments of ``optimizer.step``)."""
        before_step = self._clip_grad if self.clip_grad_kwargs else None
        self._backend.step(self.optimizer, before_step=before_step, **kwargs)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Run the forward in here: blocks gradient sync at non-updating iterations.

        Args:
            model: The model being trained (``no_sync`` is used if it has one). A model sharded
                by ``fully_shard`` (FSDP2) reads its gradient-sync flag in the backward that
                follows the context, so the flag is set for that backward and left as it is.
        """
        sync = self.should_sync()
        set_gradient_sync = getattr(model, 'set_requires_gradient_sync', None)
        if callable(set_gradient_sync):
            set_gradient_sync(sync)
            yield
        elif sync:
            yield
        else:
            with self._backend.no_sync(model):
                yield

    def _clip_grad(self) -> None:
        """Clip the gradients of the optimizer's parameters and log the norm."""
        params = [param for group in self.optimizer.param_groups for param in group['params']
                  if param.requires_grad and param.grad is not None]
        if not params:
            return
        grad = self._backend.clip_grad(params, self._clip_type, **self.clip_grad_kwargs)
        if hasattr(grad, 'full_tensor'):  # sharded parameters (DTensors): the global norm
            grad = grad.full_tensor()
        hub = self.message_hub
        if grad is not None and hub is not None:
            hub.update_scalar(f'train/{self.grad_name}', grad.detach())

    # --------------------------------------------------------- accumulation
    def initialize_count_status(self, model: nn.Module, init_counts: int,
                                max_counts: int) -> None:
        """Set the counters, so that the last, shorter accumulation window also steps.

        Args:
            model: The model (a warning is logged if it has BatchNorm and
                gradients accumulate).
            init_counts: ``update_params`` calls already done (e.g. when resuming).
            max_counts: Total number of ``update_params`` calls of the run.

        Raises:
            ValueError: If the counts are negative or ``init_counts > max_counts``.
        """
        if not 0 <= init_counts <= max_counts:
            raise ValueError(f'initialize_count_status needs 0 <= init_counts <= max_counts, '
                             f'got init_counts={init_counts}, max_counts={max_counts}')
        self._inner_count = init_counts
        self._max_counts = max_counts
        if self._inner_count % self._accumulative_counts != 0:
            logger.warning(
                'Resumed iteration number is not divisible by `accumulative_counts` '
                f'({init_counts} % {self._accumulative_counts} != 0): the gradients of some '
                'iterations are lost and the result may change slightly.')
        if self._accumulative_counts > 1 and any(
                isinstance(module, _BatchNorm) for module in model.modules()):
            logger.warning('Gradient accumulation may slightly decrease performance because '
                           'the model has BatchNorm layers.')
        self._remainder_counts = self._max_counts % self._accumulative_counts

    def should_update(self) -> bool:
        """Whether this iteration steps: a full window, or the last call of the run."""
        return (self._inner_count % self._accumulative_counts == 0
                or self._inner_count == self._max_counts)

    def should_sync(self) -> bool:
        """Whether the coming backward (``inner_count + 1``) must sync gradients."""
        coming = self._inner_count + 1
        return coming % self._accumulative_counts == 0 or coming == self._max_counts

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Divide ``loss`` by the size of its accumulation window.

        That is ``accumulative_counts``, or the remainder for the last,
        shorter window once :meth:`initialize_count_status` has set ``max_counts``.

        Raises:
            RuntimeError: If called past ``max_counts`` when it is a multiple of
                ``accumulative_counts`` (MMEngine asserts there).
        """
        if self._accumulative_counts == 1:
            return loss
        if self._max_counts == -1 \
                or self._inner_count < self._max_counts - self._remainder_counts:
            return loss / self._accumulative_counts
        if self._remainder_counts == 0:
            raise AssertRuntimeError(
                'loss_factor should be larger than zero! '
                f'update_params called {self._inner_count + 1} times but max_counts is '
                f'{self._max_counts}: call initialize_count_status(model, init_counts, '
                'max_counts) with the real total number of iterations.')
        return loss / self._remainder_counts

    # ----------------------------------------------------------- properties
    @property
    def inner_count(self) -> int:
        """Number of ``backward`` calls so far (including ``init_counts``)."""
        return self._inner_count

    @property
    def max_counts(self) -> int:
        """Total number of ``update_params`` calls of the run, ``-1`` if unknown."""
        return self._max_counts

    @property
    def accumulative_counts(self) -> int:
        """Number of iterations whose gradients make one step."""
        return self._accumulative_counts

    @property
    def message_hub(self) -> Any | None:
        """The current ``MessageHub`` (``None`` until ``mmlightning.logging`` provides it)."""
        return _current_message_hub()

    def __repr__(self) -> str:
        return (f'Type: {type(self).__name__}\n'
                f'_accumulative_counts: {self._accumulative_counts}\n'
                f'optimizer: \n{self.optimizer!r}\n')
