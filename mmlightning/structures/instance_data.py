"""``InstanceData``: per-instance annotations or predictions whose data fields share one length."""
from __future__ import annotations

from collections.abc import Sized
from typing import Any, Union

import numpy as np
import torch

from ._errors import StructureIndexError, StructureTypeError, StructureValueError
from .base_data_element import PRIVATE_ATTRS, BaseDataElement

#: What ``InstanceData.__getitem__`` accepts: a field name, an int, a slice, or a 1-D selection
#: of instances (a list, a ``np.ndarray`` or a long/bool ``torch.Tensor``).
IndexType = Union[str, slice, int, list, torch.Tensor, np.ndarray]


class InstanceData(BaseDataElement):
    """Instance-level annotations or predictions (boxes, labels, scores, masks, ...).

    Every data field holds one entry per instance, so all data values must have the same
    length (``len(element)``). Values can be ``torch.Tensor``, ``np.ndarray``, ``list``,
    ``tuple``, ``str``, or any object with ``__len__``, ``__getitem__`` and a ``cat`` method
    (for example box or mask types of downstream libraries).

    Indexing selects instances and returns a new ``InstanceData`` with the same metainfo:
    an ``int`` (the instance dimension is kept), a ``slice``, a list or ``np.ndarray`` of indices
    or booleans, a long ``torch.Tensor`` of indices or a bool ``torch.Tensor`` mask. A ``str``
    returns that field. :meth:`cat` concatenates elements with the same fields.

    Examples:
        >>> results = InstanceData(metainfo=dict(img_shape=(800, 1196)))
        >>> results.scores = torch.tensor([0.8, 0.7])
        >>> results.labels = torch.tensor([2, 3])
        >>> len(results), results[results.scores > 0.75].labels
        (2, tensor([2]))
    """

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a data field; its length must equal the length of the other data fields.

        Raises:
            TypeError: If ``value`` has no length (also an ``AssertionError``).
            ValueError: If its length differs from ``len(self)`` (also an ``AssertionError``).
        """
        if name not in PRIVATE_ATTRS:
            if not isinstance(value, Sized):
                raise StructureTypeError(
                    f'InstanceData.{name} must have a length (one entry per instance), but got '
                    f'{type(value).__name__}. Wrap single values in a list or tensor, or store '
                    'them as metainfo with set_metainfo().')
            if len(self) > 0 and len(value) != len(self):
                raise StructureValueError(
                    f'InstanceData.{name} has length {len(value)}, but the other fields '
                    f'{self.keys()} have length {len(self)}. All data fields of InstanceData '
                    'must have one entry per instance.')
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __len__(self) -> int:
        """int: The number of instances (the length of the data fields; 0 without data)."""
        keys = self.keys()
        return len(getattr(self, keys[0])) if keys else 0

    def __getitem__(self, item: IndexType) -> Any:
        """Select instances, or return a field when ``item`` is a ``str``.

        Args:
            item (str | int | slice | list | np.ndarray | torch.Tensor): What to select.

        Returns:
            InstanceData: The selected instances (same metainfo), or the field ``item``.

        Raises:
            TypeError: If ``item`` has an unsupported type or dtype (also an ``AssertionError``).
            IndexError: If an int is out of range, a tensor index is not 1-D, or a bool mask
                does not have one entry per instance.
            ValueError: If a field cannot be indexed by a tensor (it has no ``cat``).
        """
        if isinstance(item, str):
            return getattr(self, item)
        item = self._normalize_index(item)
        new_data = self.__class__(metainfo=self.metainfo)
        for name, value in self.items():
            if isinstance(item, slice):
                new_data[name] = value[item]
            else:
                new_data[name] = _select(name, value, item)
        return new_data

    def _normalize_index(self, item: Any) -> slice | torch.Tensor:
        """Turn an index into a ``slice`` or a checked 1-D long/bool tensor."""
        if isinstance(item, (list, np.ndarray)):
            item = _array_to_tensor(np.asarray(item))
        if isinstance(item, bool) or not isinstance(item, (int, slice, torch.Tensor)):
            raise StructureTypeError(
                f'InstanceData indices must be str, int, slice, list, np.ndarray or a long/bool '
                f'torch.Tensor, but got {type(item).__name__}: {item!r}.')
        if isinstance(item, int):
            if not -len(self) <= item < len(self):
                raise IndexError(
                    f'Index {item} is out of range for InstanceData with {len(self)} instances.')
            return slice(item, None, len(self))  # keeps the instance dimension
        if isinstance(item, slice):
            return item
        return self._check_tensor_index(item)

    def _check_tensor_index(self, item: torch.Tensor) -> torch.Tensor:
        if item.dtype not in (torch.long, torch.bool):
            raise StructureTypeError(
                f'InstanceData can be indexed by long or bool tensors, but got a {item.dtype} '
                'tensor. Convert it with .long() (indices) or .bool() (a mask).')
        if item.dim() != 1:
            raise StructureIndexError(
                f'InstanceData can only be indexed along the instance dimension, so tensor '
                f'indices must be 1-D, but got shape {tuple(item.shape)}.')
        if item.dtype == torch.bool and len(item) != len(self):
            raise StructureIndexError(
                f'The bool mask has {len(item)} entries, but this InstanceData has {len(self)} '
                'instances; a mask needs one entry per instance.')
        return item

    @staticmethod
    def cat(instances_list: list[InstanceData]) -> InstanceData:
        """Concatenate the instances of elements that have exactly the same fields.

        The result has the metainfo of the first element. A one-element list returns that
        element itself.

        Args:
            instances_list (list[InstanceData]): The elements to concatenate.

        Returns:
            InstanceData: The concatenation.

        Raises:
            TypeError: If an entry is not an ``InstanceData`` (also an ``AssertionError``).
            ValueError: If the list is empty, the elements have different fields, or a field
                type cannot be concatenated.
        """
        _check_cat_inputs(instances_list)
        if len(instances_list) == 1:
            return instances_list[0]
        first = instances_list[0]
        new_data = first.__class__(metainfo=first.metainfo)
        for name in first.keys():
            new_data[name] = _concatenate(name, [instances[name] for instances in instances_list])
        return new_data


def _select(name: str, value: Any, index: torch.Tensor) -> Any:
    """Select the entries ``index`` (1-D long or bool tensor) of one field value."""
    if isinstance(value, torch.Tensor):
        return value[index]
    if isinstance(value, np.ndarray):
        return value[index.cpu().numpy()]
    is_sequence = isinstance(value, (str, list, tuple))
    if not is_sequence and not (hasattr(value, '__getitem__') and hasattr(value, 'cat')):
        raise StructureValueError(
            f'The type of `{name}` is `{type(value)}`, which has no attribute of `cat`, so it '
            'does not support slice with `bool` (or with index lists and tensors). Give it '
            '__getitem__ and a cat() method, index with a slice or an int instead, or store it '
            'as a tensor, array, list or tuple.')
    positions = (torch.nonzero(index).view(-1) if index.dtype == torch.bool else index)
    # Slices with step len(value) pick exactly one entry and keep the container type.
    parts = [value[slice(i, None, len(value))] for i in positions.cpu().tolist()]
    if not parts:
        return value[slice(None, 0)]
    return _join_sequence(parts) if is_sequence else value.cat(parts)


def _check_cat_inputs(instances_list: list[InstanceData]) -> None:
    for position, instances in enumerate(instances_list):
        if not isinstance(instances, InstanceData):
            raise StructureTypeError(
                f'InstanceData.cat() expects a list of InstanceData, but entry {position} is '
                f'a {type(instances).__name__}.')
    if not instances_list:
        raise StructureValueError('InstanceData.cat() needs at least one InstanceData.')
    key_sets = [set(instances.all_keys()) for instances in instances_list]
    for position, keys in enumerate(key_sets[1:], start=1):
        if keys != key_sets[0]:
            raise StructureValueError(
                f'InstanceData.cat() needs elements with the same fields, but entry {position} '
                f'differs from entry 0: missing {sorted(key_sets[0] - keys)}, extra '
                f'{sorted(keys - key_sets[0])}.')


def _concatenate(name: str, values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(values, dim=0)
    if isinstance(first, np.ndarray):
        return np.concatenate(values, axis=0)
    if isinstance(first, (str, list, tuple)):
        return _join_sequence(values)
    if hasattr(first, 'cat'):
        return first.cat(values)
    raise StructureValueError(
        f'The type of `{name}` is `{type(first)}` which has no attribute of `cat`, so '
        'InstanceData.cat() cannot concatenate it. Give it a cat() method, or store it as a '
        'tensor, array, list or tuple.')


def _join_sequence(parts: list[Any]) -> Any:
    """Concatenate ``str``/``list``/``tuple`` parts with ``+`` (the first one is not modified)."""
    joined = parts[0][:]
    for part in parts[1:]:
        joined += part
    return joined


def _array_to_tensor(index: np.ndarray) -> torch.Tensor:
    """Convert an index array (from a list or ``np.ndarray``) to a long or bool tensor."""
    if index.size == 0 and index.dtype.kind == 'f':  # np.asarray([]) is float64
        index = index.astype(np.int64)
    if index.dtype.kind not in 'iub':
        raise StructureTypeError(
            f'InstanceData can be indexed by arrays or lists of ints or bools, but got dtype '
            f'{index.dtype}: {index!r}.')
    return torch.from_numpy(index if index.dtype.kind == 'b' else index.astype(np.int64))
