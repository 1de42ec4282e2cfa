"""``MultiOptimWrapperConstructor``: one optimizer per sub-module, as an ``OptimWrapperDict``.

MMEngine ships no constructor for several optimizers (OpenMMLab's mmagic
does, under this name): ``optim_wrapper=dict(generator=dict(optimizer=...),
discriminator=dict(optimizer=...))`` builds each wrapper with the
parameters of ``model.generator`` and ``model.discriminator``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from mmlightning.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmlightning.utils.suggestions import did_you_mean

from .builder import build_optim_wrapper
from .optimizer_wrapper_dict import OptimWrapperDict


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Builds an :class:`OptimWrapperDict` with one wrapper per named sub-module.

    Args:
        optim_wrapper_cfg: ``{name: optim_wrapper config}``; ``name`` is an
            attribute of the model (a sub-module).
        paramwise_cfg: Ignored at this level (give each child its own).

    Raises:
        ValueError: If a child config is not a dict.
    """

    def __init__(self, optim_wrapper_cfg: Mapping[str, Any],
                 paramwise_cfg: Mapping[str, Any] | None = None) -> None:
        for name, child in optim_wrapper_cfg.items():
            if not isinstance(child, Mapping):
                raise ValueError(f'optim_wrapper.{name} must be an optim_wrapper config (a '
                                 f'dict), got {child!r}')
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        """Build the wrappers for ``model``'s sub-modules.

        Raises:
            AttributeError: If the model has no sub-module of a configured name.
        """
        model = getattr(model, 'module', model)
        children = dict(model.named_children())
        wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            if name not in children:
                raise AttributeError(
                    f"optim_wrapper.{name}: the model has no sub-module '{name}' to optimise."
                    f'{did_you_mean(name, children)} Sub-modules: {", ".join(children)}')
            wrappers[name] = build_optim_wrapper(children[name], cfg)
        return OptimWrapperDict(**wrappers)
