"""Tests for LabelData and its one-hot helpers."""
from __future__ import annotations

import pytest
import torch

from mmlightning.structures import BaseDataElement, LabelData


def test_label_data_is_an_unconstrained_element():
    labels = LabelData(metainfo=dict(num_classes=3), label=torch.tensor([1]), score=0.5)
    assert isinstance(labels, BaseDataElement)
    assert labels.keys() == ['label', 'score'] and labels.num_classes == 3
    assert type(labels.new()) is LabelData


def test_onehot_to_label():
    assert LabelData.onehot_to_label(torch.tensor([0, 1, 0, 1])).tolist() == [1, 3]
    assert LabelData.onehot_to_label(torch.tensor([0.0, 1.0])).tolist() == [1]
    assert LabelData.onehot_to_label(torch.zeros(3)).tolist() == []
    assert LabelData.onehot_to_label(torch.zeros(0)).tolist() == []


@pytest.mark.parametrize('onehot, shape', [
    (torch.tensor([0, 2, 1]), r'\(3,\)'),
    (torch.tensor([-1, 1]), r'\(2,\)'),
    (torch.ones(2, 2), r'\(2, 2\)'),
    (torch.tensor(1), r'\(\)'),
])
def test_onehot_to_label_rejects_non_onehot(onehot, shape):
    with pytest.raises(ValueError, match='input is not one-hot and can not convert to label: '
                                         'onehot_to_label.. expects a 1-D tensor with values in '
                                         r'\[0, 1\], but got shape ' + shape):
        LabelData.onehot_to_label(onehot)


def test_onehot_to_label_rejects_non_tensor():
    with pytest.raises(TypeError, match=r'onehot_to_label\(\) expects a torch.Tensor, but got '
                                        'list'):
        LabelData.onehot_to_label([0, 1])


def test_label_to_onehot():
    onehot = LabelData.label_to_onehot(torch.tensor([0, 2]), num_classes=4)
    assert onehot.tolist() == [1, 0, 1, 0] and onehot.dtype == torch.int64
    assert LabelData.label_to_onehot(torch.tensor(1), 3).tolist() == [0, 1, 0]
    assert LabelData.label_to_onehot(torch.tensor([], dtype=torch.long), 2).tolist() == [0, 0]
    label = torch.tensor([3, 1])
    assert torch.equal(LabelData.onehot_to_label(LabelData.label_to_onehot(label, 5)),
                       label.sort().values)


def test_label_to_onehot_errors():
    with pytest.raises(ValueError, match=r'label_to_onehot\(\) got label 3, which is not below '
                                         'num_classes=3'):
        LabelData.label_to_onehot(torch.tensor([0, 3]), 3)
    with pytest.raises(AssertionError, match='got label 5'):
        LabelData.label_to_onehot(torch.tensor(5), 2)
    with pytest.raises(TypeError, match=r'label_to_onehot\(\) expects a torch.Tensor, but got '
                                        'int'):
        LabelData.label_to_onehot(1, 3)
