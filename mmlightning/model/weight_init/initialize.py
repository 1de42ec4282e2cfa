"""``initialize(module, init_cfg)``: apply ``init_cfg`` entries, with ``override``."""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn

from mmlightning.registry import WEIGHT_INITIALIZERS, build_from_cfg

InitCfg = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def _initialize(module: nn.Module, cfg: Mapping[str, Any], wholemodule: bool = False) -> None:
    initializer = build_from_cfg(cfg, WEIGHT_INITIALIZERS)
    # ``override`` entries have no ``layer``: they initialise the whole sub-module.
    initializer.wholemodule = wholemodule
    initializer(module)


def _copied_cfgs(value: Any, name: str) -> list[dict[str, Any]]:
    """``value`` (a dict or a list of dicts) as a list of deep copies (it may be shared).

    Raises:
        TypeError: If ``value`` is neither, naming it ``name``.
    """
    if not isinstance(value, (Mapping, list)):
        raise TypeError(f'{name} must be a dict or a list of dict, got {value!r} '
                        f'({type(value).__name__})')
    return [copy.deepcopy(dict(cfg)) for cfg in ([value] if isinstance(value, Mapping)
                                                 else value)]


def _initialize_override(module: nn.Module, override: Any, cfg: dict[str, Any]) -> None:
    for entry in _copied_cfgs(override, 'override'):
        name = entry.pop('name', None)
        if name is None:
            raise ValueError(f'override must contain the key "name" (the attribute of the '
                             f'sub-module to initialise), got {entry}')
        if not entry:  # only ``name``: reuse the outer init_cfg
            entry.update(cfg)
        elif 'type' not in entry:
            raise ValueError(f'override {dict(name=name, **entry)} sets arguments but no "type"; '
                             'add type=... or give only name= to reuse the outer init_cfg.')
        if not hasattr(module, name):
            children = [child for child, _ in module.named_children()]
            raise RuntimeError(
                f'override name={name!r}: {type(module).__name__} has no attribute {name!r} '
                f'(its sub-modules: {children}); init_cfg is {entry}.')
        _initialize(getattr(module, name), entry, wholemodule=True)


def initialize(module: nn.Module, init_cfg: InitCfg) -> None:
    """Initialise ``module`` with one or more initialiser configs.

    Each entry is built from ``WEIGHT_INITIALIZERS`` (``'Constant'``,
    ``'Xavier'``, ``'Normal'``, ``'TruncNormal'``, ``'Uniform'``,
    ``'Kaiming'``, ``'Caffe2Xavier'``, ``'Pretrained'``). ``layer`` limits it
    to layers of those class names; ``override=dict(name='head', ...)``
    initialises the attribute ``name`` whole (with the outer arguments if
    only ``name`` is given).

    Args:
        module: The module to initialise.
        init_cfg: A config dict or a list of them (not modified).

    Raises:
        TypeError: If ``init_cfg`` or ``override`` has the wrong type.
        KeyError: If a ``type`` is not registered.
        ValueError: If an ``override`` lacks ``name`` or ``type``, or
            ``layer`` names no module class.
        RuntimeError: If an ``override`` names a missing attribute.

    Example:
        >>> model = nn.Sequential(nn.Conv1d(3, 1, 3), nn.Linear(1, 2))
        >>> initialize(model, [dict(type='Constant', layer='Conv1d', val=1),
        ...                    dict(type='Constant', layer='Linear', val=2)])
    """
    for cfg in _copied_cfgs(init_cfg, 'init_cfg'):  # one init_cfg may serve several modules
        override = cfg.pop('override', None)
        _initialize(module, cfg)
        if override is not None:
            cfg.pop('layer', None)
            _initialize_override(module, override, cfg)
