"""Pull per-sample values out of data samples and batch them into tensors for metrics.

Data samples reach metrics as dicts (``Evaluator.process`` calls
``BaseDataElement.to_dict()``); nested elements become nested dicts, so a key
may be a dotted path such as ``'gt_label.label'`` or ``'gt_sem_seg.data'``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from mmlightning.utils.errors import ReadableKeyError
from mmlightning.utils.suggestions import did_you_mean


def _keys(node: Any) -> list[str]:
    keys = node.keys() if hasattr(node, 'keys') else vars(node)
    return [str(k) for k in keys]


def get_field(sample: Any, key: str) -> Any:
    """Return ``sample[key]``, following dots into nested dicts / data elements.

    Args:
        sample: A data sample dict (or a ``BaseDataElement``).
        key: A field name or dotted path.

    Returns:
        The value.

    Raises:
        KeyError: If a part of ``key`` is missing; the message lists the keys
            present.
    """
    node = sample
    for depth, part in enumerate(key.split('.')):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif not isinstance(node, Mapping) and hasattr(node, 'keys') and part in node.keys():
            node = getattr(node, part)
        else:
            where = '.'.join(key.split('.')[:depth]) or 'the data sample'
            present = _keys(node) if hasattr(node, 'keys') else []
            raise ReadableKeyError(f'{key!r}: {where} has no {part!r} (it has {present}).'
                                   + did_you_mean(part, present)
                                   + ' Set pred_key / target_key to the fields your model '
                                     'writes.')
    return node


def to_tensor(value: Any) -> Tensor:
    """Return ``value`` (tensor, number, array or list) as a detached CPU tensor."""
    if isinstance(value, Tensor):
        return value.detach().cpu()
    return torch.as_tensor(value)


def batch_values(values: Sequence[Tensor], key: str) -> Tensor:
    """Batch per-sample tensors along a new first dimension.

    One-element values (scalars, or shape ``(1,)`` such as mmpretrain's
    ``gt_label``) are concatenated into shape ``(N,)``; others are stacked into
    ``(N, ...)``.

    Args:
        values: One tensor per sample.
        key: The field they came from (for error messages).

    Returns:
        The batched tensor.

    Raises:
        ValueError: If there are no values or their shapes differ.
    """
    if not values:
        raise ValueError(f'No {key!r} values to compute the metric from: no data sample was '
                         'processed.')
    if all(v.numel() == 1 and v.dim() <= 1 for v in values):
        return torch.cat([v.reshape(1) for v in values])
    shapes = {tuple(v.shape) for v in values}
    if len(shapes) > 1:
        raise ValueError(f'The {key!r} values of the data samples have different shapes '
                         f'{sorted(shapes)}; this metric batches them with torch.stack, so every '
                         'sample needs the same shape.')
    return torch.stack(list(values))
