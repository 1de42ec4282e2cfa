"""Activation checkpointing of named submodules (``mmengine.runner.activation_checkpointing``)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from torch import nn
from torch.utils.checkpoint import checkpoint


def _checkpointed(forward: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(forward)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)

    return wrapper


def turn_on_activation_checkpointing(model: nn.Module, modules: list[str] | str) -> None:
    """Recompute the activations of ``modules`` in the backward pass instead of storing them.

    Args:
        model: The model.
        modules: Dotted names of submodules of ``model`` (``'backbone.layer1'``).

    Raises:
        AttributeError: If ``model`` has no submodule of one of the names.

    Uses the non-reentrant ``torch.utils.checkpoint`` (keyword arguments work; MMEngine
    uses the reentrant one, which torch deprecates).
    """
    for name in [modules] if isinstance(modules, str) else modules:
        try:
            module = attrgetter(name)(model)
        except AttributeError as error:
            raise AttributeError(f'turn_on_activation_checkpointing: the model has no '
                                 f'submodule {name!r} ({error})') from error
        module.forward = _checkpointed(module.forward)
