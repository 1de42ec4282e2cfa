"""``PixelData``: pixel-level annotations or predictions that share one height and width."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ._errors import StructureTypeError, StructureValueError
from .base_data_element import PRIVATE_ATTRS, BaseDataElement


class PixelData(BaseDataElement):
    """Pixel-level annotations or predictions (segmentation maps, feature maps, ...).

    Every data field is a ``torch.Tensor`` or ``np.ndarray`` of shape ``(C, H, W)``, and all
    fields share ``H x W`` (:attr:`shape`). A 2-D ``(H, W)`` value gains a channel dimension
    (with a warning). Indexing with ``[rows, cols]`` (ints or slices) crops every field.

    Examples:
        >>> pixel_data = PixelData(seg_map=torch.zeros(1, 20, 40), image=np.zeros((3, 20, 40)))
        >>> pixel_data.shape
        (20, 40)
        >>> pixel_data[10:20, 20:40].shape
        (10, 20)
        >>> pixel_data[10, 20].shape
        (1, 1)
    """

    def __setattr__(self, name: str, value: Any) -> None:
        """Set a data field; 2-D values gain a channel dimension.

        Raises:
            TypeError: If ``value`` is not a tensor or array (also an ``AssertionError``).
            ValueError: If its height and width differ from :attr:`shape`, or it is not 2-D or
                3-D (also an ``AssertionError``).
        """
        if name not in PRIVATE_ATTRS:
            value = self._check_pixel_value(name, value)
        super().__setattr__(name, value)

    def _check_pixel_value(self, name: str, value: Any) -> torch.Tensor | np.ndarray:
        if not isinstance(value, (torch.Tensor, np.ndarray)):
            raise StructureTypeError(
                f'PixelData.{name} must be a torch.Tensor or np.ndarray, but got '
                f'{type(value).__name__}. Store other values as metainfo with set_metainfo().')
        shape = self.shape
        if shape is not None and tuple(value.shape[-2:]) != shape:
            raise StructureValueError(
                f'PixelData.{name} has height and width {tuple(value.shape[-2:])}, but the '
                f'other fields {self.keys()} have {shape}. All fields of PixelData must share '
                'H x W.')
        if value.ndim not in (2, 3):
            raise StructureValueError(
                f'PixelData.{name} must have 2 (H, W) or 3 (C, H, W) dimensions, but got shape '
                f'{tuple(value.shape)}.')
        if value.ndim == 2:
            value = value[None]
            warnings.warn(f'PixelData.{name}: the shape of value will convert from '
                          f'{tuple(value.shape[-2:])} to {tuple(value.shape)}.', stacklevel=3)
        return value

    def __getitem__(self, item: Sequence[int | slice]) -> PixelData:
        """Crop every field with ``[rows, cols]``; an int keeps its dimension.

        Args:
            item (tuple[int | slice, int | slice]): The rows and columns to keep.

        Returns:
            PixelData: The cropped data, with the same metainfo.

        Raises:
            TypeError: If ``item`` is not a tuple of ints or slices.
            ValueError: If ``item`` does not have two entries (also an ``AssertionError``).
            IndexError: If an int is out of range.
        """
        if not isinstance(item, tuple):
            raise TypeError(
                f'Unsupported type {type(item)} for slicing PixelData; index it with '
                '[rows, cols], e.g. pixel_data[10:20, 0:5].')
        if len(item) != 2:
            raise StructureValueError(
                f'PixelData can only be sliced along height and width ([rows, cols]), but got '
                f'{len(item)} indices: {item!r}.')
        shape = self.shape or (0, 0)
        index = (slice(None), *(_keep_dim(entry, size, axis)
                                for entry, size, axis in zip(item, shape, ('height', 'width'))))
        new_data = self.__class__(metainfo=self.metainfo)
        for name, value in self.items():
            setattr(new_data, name, value[index])
        return new_data

    @property
    def shape(self) -> tuple[int, int] | None:
        """tuple[int, int] | None: ``(H, W)`` of the data fields, or None without data."""
        keys = self.keys()
        return tuple(getattr(self, keys[0]).shape[-2:]) if keys else None


def _keep_dim(entry: Any, size: int, axis: str) -> slice:
    """Turn an int index into a one-element slice so that the dimension is kept."""
    if isinstance(entry, slice):
        return entry
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise TypeError(
            f'The type of element in input must be int or slice, but got {type(entry)} for '
            f'the {axis}.')
    if not -size <= entry < size:
        raise IndexError(f'Index {entry} is out of range for the {axis} {size} of PixelData.')
    return slice(entry, None, size)
