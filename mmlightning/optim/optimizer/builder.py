"""``build_optim_wrapper``: model + ``optim_wrapper`` config -> optimizer wrapper."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from torch import nn

from mmlightning.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIMIZERS
from mmlightning.registry.key_paths import key_path_of, located

from .optimizer_wrapper import OptimWrapper
from .third_party import (
    BITSANDBYTES_OPTIMIZERS,
    DADAPTATION_OPTIMIZERS,
    LION_OPTIMIZERS,
    SOPHIA_OPTIMIZERS,
    TORCH_OPTIMIZERS,
    TRANSFORMERS_OPTIMIZERS,
)

__all__ = [
    'BITSANDBYTES_OPTIMIZERS', 'DADAPTATION_OPTIMIZERS', 'LION_OPTIMIZERS', 'OPTIMIZERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'SOPHIA_OPTIMIZERS', 'TORCH_OPTIMIZERS',
    'TRANSFORMERS_OPTIMIZERS', 'build_optim_wrapper',
]


def build_optim_wrapper(model: nn.Module, cfg: Mapping[str, Any]) -> OptimWrapper:
    """Build an optimizer wrapper for ``model`` from an ``optim_wrapper`` config.

    The ``constructor`` key (default ``'DefaultOptimWrapperConstructor'``)
    names an ``OPTIM_WRAPPER_CONSTRUCTORS`` type, built with the rest of the
    config and ``paramwise_cfg``, then called with ``model``.

    Args:
        model: The model to optimise.
        cfg: E.g. ``dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01),
            paramwise_cfg=dict(norm_decay_mult=0.))``. Not modified.

    Returns:
        The built optimizer wrapper.

    Raises:
        TypeError: If ``cfg`` is not a dict.
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f'optim_wrapper config must be a dict, got {type(cfg).__name__}')
    path = key_path_of(cfg)  # 'optim_wrapper' in a config: build errors name it
    optim_wrapper_cfg = copy.deepcopy(dict(cfg))
    constructor_type = optim_wrapper_cfg.pop('constructor', 'DefaultOptimWrapperConstructor')
    paramwise_cfg = optim_wrapper_cfg.pop('paramwise_cfg', None)
    constructor_cfg = dict(type=constructor_type, optim_wrapper_cfg=optim_wrapper_cfg,
                           paramwise_cfg=paramwise_cfg)
    with located(constructor_cfg, path), located(optim_wrapper_cfg, path):  # the last one wins
        constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(constructor_cfg)
        return constructor(model)
