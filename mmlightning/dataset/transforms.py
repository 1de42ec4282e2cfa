"""A few generic transforms: ``ToTensor`` and ``PackInputs``.

Task packages bring their own (image decoding, augmentation); these cover
samples already held in memory, as in the examples and tests.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from mmlightning.registry import TRANSFORMS
from mmlightning.utils.errors import ReadableKeyError


def to_tensor(data: Any) -> torch.Tensor:
    """Convert a tensor, numpy array, sequence, int or float to a tensor.

    ``int`` gives a one-element ``LongTensor`` and ``float`` a one-element
    ``FloatTensor`` (mmcv's ``to_tensor`` rule); arrays share memory.

    Raises:
        TypeError: For any other type (including ``str``).
    """
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data)
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    if isinstance(data, int):
        return torch.LongTensor([data])
    if isinstance(data, float):
        return torch.FloatTensor([data])
    raise TypeError(f'cannot convert {type(data).__name__} to a tensor: {data!r}')


def _require(results: dict, key: str, owner: object) -> Any:
    if key not in results:
        raise ReadableKeyError(f'{owner}: the sample has no key {key!r} (keys: '
                               f'{sorted(results)}); fix the transform arguments or the '
                               'transforms before it')
    return results[key]


@TRANSFORMS.register_module()
class ToTensor:
    """Convert ``results[key]`` to a tensor for each key (see :func:`to_tensor`).

    Args:
        keys: The keys to convert; each must be present.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = [keys] if isinstance(keys, str) else list(keys)

    def __call__(self, results: dict) -> dict:
        """Convert the keys in place and return ``results``."""
        for key in self.keys:
            results[key] = to_tensor(_require(results, key, self))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keys={self.keys})'


@TRANSFORMS.register_module()
class PackInputs:
    """Pack a sample into ``dict(inputs=..., data_samples=...)`` for ``BaseModel``.

    ``inputs`` is ``results[input_key]`` as a tensor. ``data_samples`` is a
    :class:`~mmlightning.structures.BaseDataElement` whose data fields are
    the present ``data_keys`` (converted to tensors) and whose metainfo holds
    the present ``meta_keys``.

    Args:
        input_key: Key of the model input (required in every sample).
        data_keys: Keys of annotations packed as data fields.
        meta_keys: Keys packed as metainfo.
    """

    def __init__(self, input_key: str = 'img', data_keys: Sequence[str] = ('gt_label',),
                 meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape',
                                             'img_shape')) -> None:
        self.input_key = input_key
        self.data_keys = tuple(data_keys)
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        """Return ``dict(inputs=tensor, data_samples=BaseDataElement)``."""
        from mmlightning.structures import BaseDataElement

        inputs = to_tensor(_require(results, self.input_key, self))
        data = {key: to_tensor(results[key]) for key in self.data_keys if key in results}
        metainfo = {key: results[key] for key in self.meta_keys if key in results}
        return dict(inputs=inputs, data_samples=BaseDataElement(metainfo=metainfo, **data))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_key={self.input_key!r}, '
                f'data_keys={self.data_keys}, meta_keys={self.meta_keys})')
