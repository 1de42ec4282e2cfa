"""``LabelData``: label-level annotations or predictions, with one-hot helpers."""
from __future__ import annotations

import torch

from ._errors import StructureTypeError, StructureValueError
from .base_data_element import BaseDataElement


class LabelData(BaseDataElement):
    """Label-level annotations or predictions (class labels, scores); no shape constraints.

    Examples:
        >>> LabelData.label_to_onehot(torch.tensor([0, 2]), num_classes=4)
        tensor([1, 0, 1, 0])
        >>> LabelData.onehot_to_label(torch.tensor([1, 0, 1, 0]))
        tensor([0, 2])
    """

    @staticmethod
    def onehot_to_label(onehot: torch.Tensor) -> torch.Tensor:
        """Return the indices of the non-zero entries of a 1-D one-hot (multi-hot) tensor.

        Args:
            onehot (torch.Tensor): A 1-D tensor with values in ``[0, 1]``.

        Returns:
            torch.Tensor: The 1-D long tensor of labels.

        Raises:
            TypeError: If ``onehot`` is not a tensor (also an ``AssertionError``).
            ValueError: If it is not 1-D or has values outside ``[0, 1]``.
        """
        if not isinstance(onehot, torch.Tensor):
            raise StructureTypeError(
                f'onehot_to_label() expects a torch.Tensor, but got {type(onehot).__name__}.')
        if onehot.ndim != 1 or (onehot.numel() > 0 and not (
                onehot.max().item() <= 1 and onehot.min().item() >= 0)):
            raise ValueError(
                'input is not one-hot and can not convert to label: onehot_to_label() expects '
                f'a 1-D tensor with values in [0, 1], but got shape {tuple(onehot.shape)}: '
                f'{onehot}.')
        return onehot.nonzero().squeeze(-1)

    @staticmethod
    def label_to_onehot(label: torch.Tensor, num_classes: int) -> torch.Tensor:
        """Return a ``(num_classes,)`` tensor that is 1 at each label and 0 elsewhere.

        Args:
            label (torch.Tensor): Class indices (a 0-D or 1-D integer tensor).
            num_classes (int): The number of classes.

        Returns:
            torch.Tensor: The one-hot tensor, with the dtype and device of ``label``.

        Raises:
            TypeError: If ``label`` is not a tensor (also an ``AssertionError``).
            ValueError: If a label is ``>= num_classes`` (also an ``AssertionError``).
        """
        if not isinstance(label, torch.Tensor):
            raise StructureTypeError(
                f'label_to_onehot() expects a torch.Tensor, but got {type(label).__name__}.')
        largest = label.max().item() if label.numel() > 0 else 0
        if largest >= num_classes:
            raise StructureValueError(
                f'label_to_onehot() got label {largest}, which is not below '
                f'num_classes={num_classes}. Check num_classes or the labels.')
        onehot = label.new_zeros((num_classes,))
        onehot[label] = 1
        return onehot
