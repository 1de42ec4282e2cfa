"""Pack a list of sample dicts into one numpy byte buffer, and read it back.

A Python list of dicts is copied page by page into every dataloader worker
as reference counts change (copy-on-read). One ``uint8`` array of pickled
samples plus an ``int64`` array of cumulative end offsets is shared instead.
"""
from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np


def serialize(data_list: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Pickle each item (protocol 4) into one buffer.

    Args:
        data_list: The items.

    Returns:
        ``(data_bytes, data_address)``: the concatenated pickles and the
        cumulative end offset of each item.
    """
    chunks = [np.frombuffer(pickle.dumps(item, protocol=4), dtype=np.uint8)
              for item in data_list]
    address = np.cumsum(np.asarray([len(chunk) for chunk in chunks], dtype=np.int64))
    data = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint8)
    return data, address


def _bounds(address: np.ndarray, idx: int) -> tuple[int, int]:
    start = 0 if idx == 0 else int(address[idx - 1])
    return start, int(address[idx])


def normalize_index(idx: int, length: int) -> int:
    """Turn a possibly negative index into ``0 <= idx < length``.

    Raises:
        IndexError: If ``idx`` is outside ``[-length, length)``.
    """
    if not -length <= idx < length:
        raise IndexError(f'index {idx} is out of range for a dataset of length {length}')
    return idx + length if idx < 0 else idx


def deserialize(data_bytes: np.ndarray, address: np.ndarray, idx: int) -> Any:
    """Unpickle item ``idx`` (negative counts from the end)."""
    start, end = _bounds(address, normalize_index(idx, len(address)))
    return pickle.loads(memoryview(data_bytes[start:end]))


def subset(data_bytes: np.ndarray, address: np.ndarray,
           indices: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Select items from a serialized list.

    Args:
        data_bytes: The buffer from :func:`serialize`.
        address: The cumulative end offsets from :func:`serialize`.
        indices: A non-negative int keeps the first ``indices`` items, a
            negative one the last ``-indices``; a sequence picks those items
            in that order (negative entries count from the end).

    Returns:
        ``(data_bytes, data_address)`` of the subset. An int prefix is a view
        of the original buffer (no copy).

    Raises:
        IndexError: If an index or count exceeds the number of items.
        TypeError: If ``indices`` is neither an int nor a sequence of ints.
    """
    length = len(address)
    if isinstance(indices, int):
        if abs(indices) > length:
            raise IndexError(f'cannot take {indices} items of a dataset of length {length}')
        if indices >= 0:
            end = int(address[indices - 1]) if indices > 0 else 0
            return data_bytes[:end], address[:indices]
        first = length + indices
        start = int(address[first - 1]) if first > 0 else 0
        return data_bytes[start:], address[first:] - start
    if not isinstance(indices, Sequence):
        raise TypeError(f'indices must be an int or a sequence of ints, '
                        f'got {type(indices).__name__}')
    bounds = [_bounds(address, normalize_index(idx, length)) for idx in indices]
    if not bounds:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    chunks = [data_bytes[start:end] for start, end in bounds]
    sizes = np.asarray([end - start for start, end in bounds], dtype=np.int64)
    return np.concatenate(chunks), np.cumsum(sizes)
