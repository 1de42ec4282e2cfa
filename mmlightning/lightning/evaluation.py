"""Evaluator helpers for the Lightning module: building, dataset sizes, loggable metrics."""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any


def build_evaluator(cfg: Any, key_path: str | None = None) -> Any:
    """Build an evaluator as MMEngine's ``Runner.build_evaluator`` does (``None`` stays ``None``).

    A dict with ``metrics`` is an ``Evaluator`` config; any other dict, or a
    list, holds metric configs.

    Args:
        cfg: The evaluator config, a metric config or a list of them, or an ``Evaluator``.
        key_path: Its key in the config (``'val_evaluator'``), named by build errors
            (a ``ConfigDict`` that knows its own place keeps it).
    """
    if cfg is None:
        return None
    from mmlightning.evaluator import Evaluator
    from mmlightning.registry import EVALUATOR
    from mmlightning.registry.key_paths import key_path_of, located

    if isinstance(cfg, Evaluator):
        return cfg
    if not isinstance(cfg, (Mapping, list)):
        raise TypeError(f'an evaluator must be a dict, a list of dicts or an Evaluator, '
                        f'got {cfg!r}')
    path = key_path_of(cfg) or key_path
    if isinstance(cfg, Mapping) and 'metrics' in cfg:
        evaluator_cfg = {'type': 'Evaluator', **cfg}
        with located(cfg, path), located(evaluator_cfg, path):
            return EVALUATOR.build(evaluator_cfg)
    with located(cfg, path):
        return Evaluator(cfg)


def dataset_size(dataloaders: Any) -> int:
    """Number of samples of the (first) evaluation dataloader's dataset."""
    loader = dataloaders[0] if isinstance(dataloaders, (list, tuple)) else dataloaders
    return len(loader.dataset)


def numeric_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The metrics Lightning can log: plain numbers and one-element tensors."""
    loggable = {}
    for key, value in metrics.items():
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            loggable[key] = float(value)
        elif hasattr(value, 'numel') and value.numel() == 1:
            loggable[key] = float(value)
    return loggable
