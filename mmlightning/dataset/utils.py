"""Collate functions and dataloader worker seeding (``mmengine.dataset.utils``)."""
from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data._utils.collate import default_collate as torch_default_collate

from mmlightning.registry import FUNCTIONS
from mmlightning.structures.element_types import data_element_types

COLLATE_FUNCTIONS = FUNCTIONS


@FUNCTIONS.register_module()
def worker_init_fn(worker_id: int, num_workers: int, rank: int, seed: int,
                   disable_subprocess_warning: bool = False) -> None:
    """Seed ``numpy``, ``random`` and ``torch`` in a dataloader worker.

    The worker seed is ``num_workers * rank + worker_id + seed``, distinct for
    every worker of every rank.

    Args:
        worker_id: Worker index in ``[0, num_workers)``.
        num_workers: Workers per dataloader.
        rank: Rank of this process (0 when not distributed).
        seed: Base seed.
        disable_subprocess_warning: Silence warnings in all workers but the first.
    """
    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)
    if disable_subprocess_warning and worker_id != 0:
        warnings.simplefilter('ignore')


def _collate_sequence(data_batch: Sequence, collate: Callable[[Sequence], Any]) -> Any:
    """Transpose a batch of equal-length sequences and collate each position."""
    first = data_batch[0]
    size = len(first)
    if any(len(item) != size for item in data_batch):
        raise RuntimeError('each data_itement in list of batch should be of equal size '
                           f'(got lengths {[len(item) for item in data_batch]})')
    transposed = [collate(samples) for samples in zip(*data_batch)]
    if isinstance(first, tuple):
        return transposed  # as torch: tuples become lists
    try:
        return type(first)(transposed)
    except TypeError:  # e.g. range, which cannot be built from an iterable
        return transposed


def _collate_structure(data_batch: Sequence, collate: Callable[[Sequence], Any]) -> Any:
    """Collate named tuples, sequences and mappings field by field, else ``None``."""
    first = data_batch[0]
    if isinstance(first, tuple) and hasattr(first, '_fields'):
        return type(first)(*(collate(samples) for samples in zip(*data_batch)))
    if isinstance(first, Sequence):
        return _collate_sequence(data_batch, collate)
    if isinstance(first, Mapping):
        return type(first)({key: collate([item[key] for item in data_batch]) for key in first})
    return None


@FUNCTIONS.register_module()
def pseudo_collate(data_batch: Sequence) -> Any:
    """Turn a list of samples into one batch of the same structure, without stacking.

    Dicts, sequences and named tuples are transposed recursively (a list of
    dicts becomes a dict of lists); tuples become lists as in PyTorch; every
    leaf (tensor, array, number, data element, str) stays a list of the
    samples' values.

    Args:
        data_batch: The samples of one batch.

    Returns:
        The batch, e.g. ``{'inputs': [t0, t1], 'data_samples': [d0, d1]}``.

    Raises:
        RuntimeError: If sequences at one position differ in length.
    """
    first = data_batch[0]
    if isinstance(first, (str, bytes)):
        return data_batch
    collated = _collate_structure(data_batch, pseudo_collate)
    return data_batch if collated is None else collated


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence) -> Any:
    """Like :func:`pseudo_collate`, but leaves go through PyTorch's ``default_collate``.

    Tensors of equal shape are stacked, numpy arrays and numbers become
    tensors; data elements (``BaseDataElement``), str and bytes stay lists.

    Args:
        data_batch: The samples of one batch.

    Returns:
        The batch with stacked leaves.

    Raises:
        RuntimeError: If sequences at one position differ in length, or
            tensors cannot be stacked.
    """
    first = data_batch[0]
    if isinstance(first, (str, bytes, *data_element_types())):
        return data_batch
    collated = _collate_structure(data_batch, default_collate)
    return torch_default_collate(data_batch) if collated is None else collated
