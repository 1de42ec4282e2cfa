"""``OptimWrapperDict``: several named optimizer wrappers (e.g. generator and discriminator)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

import torch
from torch import nn

from mmlightning.utils.suggestions import did_you_mean

from .._errors import AssertKeyError, AssertTypeError
from .backend import OptimBackend
from .optimizer_wrapper import OptimWrapper


def _per_wrapper(name: str) -> NoReturn:
    raise NotImplementedError(f'`{name}` should be called by each optimizer wrapper separately, '
                              f"e.g. optim_wrapper['generator'].{name}(...)")


class OptimWrapperDict(OptimWrapper):
    """A dict of :class:`OptimWrapper` for training with several optimizers.

    Which wrapper a loss belongs to is the model's decision, so
    ``update_params``, ``backward``, ``step`` and ``optim_context`` raise
    ``NotImplementedError``: call them on ``optim_wrapper[name]``.
    ``zero_grad`` zeroes all wrappers; learning rates, momenta and state dicts
    are collected per name.

    Args:
        **optim_wrapper_dict: The wrappers, by name.

    Raises:
        TypeError: If a value is not an :class:`OptimWrapper` (also an ``AssertionError``).
    """

    def __init__(self, **optim_wrapper_dict: OptimWrapper) -> None:
        for key, value in optim_wrapper_dict.items():
            if not isinstance(value, OptimWrapper):
                raise AssertTypeError(
                    '`OptimWrapperDict` only accept OptimWrapper instance, but got '
                    f'{key}: {type(value).__name__}. Wrap each optimizer first: '
                    f'{key}=OptimWrapper(optimizer).')
        self.optim_wrappers = optim_wrapper_dict

    def update_params(self,  # type: ignore[override]
                      loss: torch.Tensor,
                      step_kwargs: dict | None = None,
                      zero_kwargs: dict | None = None) -> None:
        """Not implemented: call ``update_params`` of each wrapper."""
        _per_wrapper('update_params')

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Not implemented: call ``backward`` of each wrapper."""
        _per_wrapper('backward')

    def step(self, **kwargs: Any) -> None:
        """Not implemented: call ``step`` of each wrapper."""
        _per_wrapper('step')

    def zero_grad(self, **kwargs: Any) -> None:
        """Zero the gradients of every wrapper (``kwargs`` are ignored, as in MMEngine)."""
        for optim_wrapper in self.optim_wrappers.values():
            optim_wrapper.zero_grad()

    def optim_context(self, model: nn.Module) -> NoReturn:  # type: ignore[override]
        """Not implemented: use ``optim_context`` of each wrapper."""
        _per_wrapper('optim_context')

    @property
    def backend(self) -> OptimBackend:
        """Not implemented: each wrapper has its own backend."""
        _per_wrapper('backend')

    @backend.setter
    def backend(self, backend: OptimBackend) -> None:
        _per_wrapper('backend')

    def initialize_count_status(self, model: nn.Module, init_counts: int,
                                max_counts: int) -> None:
        """Do nothing: the model must initialise each wrapper's counters itself."""

    @property
    def param_groups(self) -> dict[str, list[dict[str, Any]]]:  # type: ignore[override]
        """The ``param_groups`` of each wrapper, by name."""
        return {name: wrapper.param_groups for name, wrapper in self.optim_wrappers.items()}

    def get_lr(self) -> dict[str, list[float]]:
        """``{'<name>.base_lr': [...], '<name>.lr': [...]}`` for each wrapper."""
        lr_dict = {}
        for name, optim_wrapper in self.optim_wrappers.items():
            inner = optim_wrapper.get_lr()
            if 'base_lr' in inner:
                lr_dict[f'{name}.base_lr'] = inner['base_lr']
            lr_dict[f'{name}.lr'] = inner['lr']
        return lr_dict

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'<name>.momentum': [...]}`` for each wrapper."""
        return {f'{name}.momentum': wrapper.get_momentum()['momentum']
                for name, wrapper in self.optim_wrappers.items()}

    def state_dict(self) -> dict[str, Any]:
        """The state dict of each wrapper, by name."""
        return {name: wrapper.state_dict() for name, wrapper in self.optim_wrappers.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load each wrapper's state from ``state_dict[name]``.

        Raises:
            KeyError: If ``state_dict`` names a wrapper this dict does not have.
        """
        for name, wrapper_state in state_dict.items():
            self[name].load_state_dict(wrapper_state)

    def items(self) -> Iterator[tuple[str, OptimWrapper]]:
        """``(name, wrapper)`` pairs."""
        yield from self.optim_wrappers.items()

    def values(self) -> Iterator[OptimWrapper]:
        """The wrappers."""
        yield from self.optim_wrappers.values()

    def keys(self) -> Iterator[str]:
        """The names."""
        yield from self.optim_wrappers.keys()

    def __getitem__(self, key: str) -> OptimWrapper:
        if key not in self.optim_wrappers:
            raise AssertKeyError(
                f'Cannot find {key!r} in OptimWrapperDict (it has {list(self.optim_wrappers)}).'
                f'{did_you_mean(key, self.optim_wrappers)} Check your optimizer constructor.')
        return self.optim_wrappers[key]

    def __contains__(self, key: str) -> bool:
        return key in self.optim_wrappers

    def __len__(self) -> int:
        return len(self.optim_wrappers)

    def __repr__(self) -> str:
        return ''.join(f'name: {name}\n{wrapper!r}'
                       for name, wrapper in self.optim_wrappers.items())
