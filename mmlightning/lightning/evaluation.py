"""Evaluator helpers for the Lightning module: building, dataset sizes, loggable metrics."""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any


def build_evaluator(cfg: Any) -> Any:
    """Build an evaluator as MMEngine's ``Runner.build_evaluator`` does (``None`` stays ``None``).

    A dict with ``metrics`` is an ``Evaluator`` config; any other dict, or a
    list, holds metric configs.
    """
    if cfg is None:
        return None
    from mmlightning.evaluator import Evaluator
    from mmlightning.registry import EVALUATOR

    if isinstance(cfg, Evaluator):
        return cfg
    if isinstance(cfg, Mapping):
        if 'metrics' in cfg:
            return EVALUATOR.build({'type': 'Evaluator', **cfg})
        return Evaluator(cfg)
    if isinstance(cfg, list):
        return Evaluator(cfg)
    raise TypeError(f'an evaluator must be a dict, a list of dicts or an Evaluator, got {cfg!r}')


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
