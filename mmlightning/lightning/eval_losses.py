"""Validation and test losses, MMEngine 0.10.7's way.

A model's ``val_step``/``test_step`` may end its outputs with a
``BaseDataElement`` holding only ``loss`` (a dict of tensors, or of lists of
tensors). The loops take it off before the evaluator sees the outputs, keep a
running history per loss name, and add each loss's mean to the metrics, with
``<stage>_loss``: the sum of those whose name contains ``loss``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from mmlightning.logging import HistoryBuffer
from mmlightning.structures import BaseDataElement
from mmlightning.utils import is_list_of


def record_losses(outputs: Any, losses: dict[str, HistoryBuffer]) -> Any:
    """Take a trailing ``BaseDataElement(loss=...)`` off ``outputs`` into ``losses``.

    Returns:
        ``outputs`` without that element (unchanged without one).
    """
    last = outputs[-1] if isinstance(outputs, Sequence) and outputs else None
    is_element = isinstance(last, BaseDataElement) or hasattr(last, 'metainfo_keys')  # MMEngine's
    if not is_element or list(last.keys()) != ['loss']:
        return outputs
    for name, value in last.loss.items():
        values = [value] if isinstance(value, torch.Tensor) else \
            value if is_list_of(value, torch.Tensor) else []
        buffer = losses.setdefault(name, HistoryBuffer())
        for tensor in values:
            buffer.update(tensor.item())
    return outputs[:-1]


def average_losses(losses: Mapping[str, HistoryBuffer], stage: str) -> dict[str, float]:
    """Each loss averaged, plus ``<stage>_loss``: the sum of those whose name has ``loss``."""
    averaged = {name: buffer.mean() for name, buffer in losses.items()}
    averaged[f'{stage}_loss'] = sum(value for name, value in averaged.items() if 'loss' in name)
    return averaged
