"""Tests for InstanceData: equal-length fields, indexing and cat."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.structures import BaseDataElement, InstanceData


class Polygons:
    """A custom field type with ``__len__``, ``__getitem__`` and ``cat``, like mmdet's boxes."""

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        return Polygons(self.items[index])

    @staticmethod
    def cat(parts: list[Polygons]) -> Polygons:
        return Polygons([item for part in parts for item in part.items])


def make_instances() -> InstanceData:
    instances = InstanceData(metainfo=dict(img_shape=(10, 10)))
    instances.scores = torch.tensor([0.9, 0.1, 0.5, 0.7])
    instances.boxes = np.arange(16).reshape(4, 4)
    instances.names = ['a', 'b', 'c', 'd']
    instances.flags = (True, False, True, False)
    instances.text = 'wxyz'
    instances.polygons = Polygons([[1], [2], [3], [4]])
    return instances


def assert_selected(result: InstanceData, positions: list[int]) -> None:
    source = make_instances()
    assert isinstance(result, InstanceData) and result.metainfo == source.metainfo
    assert result.keys() == source.keys()
    assert torch.equal(result.scores, source.scores[positions])
    np.testing.assert_array_equal(result.boxes, source.boxes[positions])
    assert result.names == [source.names[i] for i in positions]
    assert result.flags == tuple(source.flags[i] for i in positions)
    assert result.text == ''.join(source.text[i] for i in positions)
    assert result.polygons.items == [source.polygons.items[i] for i in positions]
    assert len(result) == len(positions)


# ---------------------------------------------------------------- setting fields and length
def test_len_follows_the_data_fields():
    assert len(InstanceData()) == 0
    assert len(InstanceData(metainfo=dict(a=[1, 2, 3]))) == 0
    assert len(make_instances()) == 4


def test_setattr_and_setitem_require_equal_lengths():
    instances = make_instances()
    instances['labels'] = torch.zeros(4)
    assert instances.keys()[-1] == 'labels'
    with pytest.raises(ValueError, match=r'InstanceData.extra has length 3, but the other fields '
                                         r"\['scores', .*\] have length 4"):
        instances.extra = [1, 2, 3]
    with pytest.raises(AssertionError, match='has length 5'):
        instances['extra'] = torch.zeros(5)
    assert 'extra' not in instances


def test_setattr_requires_sized_values():
    with pytest.raises(TypeError, match=r'InstanceData.score must have a length .* but got int. '
                                        r'.*set_metainfo'):
        InstanceData(score=1)


def test_metainfo_has_no_length_constraint():
    instances = make_instances()
    instances.set_metainfo(dict(pad_shape=(3, 4, 5), scale=2.0))
    assert instances.scale == 2.0 and len(instances) == 4


# ---------------------------------------------------------------- indexing
def test_getitem_by_name_returns_the_field():
    instances = make_instances()
    assert instances['names'] is instances.names


@pytest.mark.parametrize('index, positions', [
    (2, [2]),
    (-1, [3]),
    (slice(1, 3), [1, 2]),
    (slice(None, None, 2), [0, 2]),
    (torch.tensor([3, 0]), [3, 0]),
    (torch.tensor([True, False, True, False]), [0, 2]),
    ([2, 1], [2, 1]),
    ([False, True, False, True], [1, 3]),
    (np.array([1, 3], dtype=np.int32), [1, 3]),
    (np.array([0, 1], dtype=np.uint8), [0, 1]),
    (np.array([True, True, False, False]), [0, 1]),
    ([], []),
    (torch.tensor([], dtype=torch.long), []),
    (torch.zeros(4, dtype=torch.bool), []),
])
def test_getitem_selects_instances(index, positions):
    assert_selected(make_instances()[index], positions)


def test_getitem_keeps_subclass_and_does_not_alias_metainfo():
    class MyInstances(InstanceData):
        pass

    instances = MyInstances(metainfo=dict(sizes=[1]), scores=torch.ones(2))
    selected = instances[0]
    assert type(selected) is MyInstances
    selected.sizes.append(2)
    assert instances.sizes == [1]


def test_getitem_with_tensor_index_on_cat_less_type_fails():
    instances = InstanceData(scores=torch.ones(2), tags={'a', 'b'})
    with pytest.raises(ValueError, match="The type of `tags` is `<class 'set'>`, which has no "
                                         'attribute of `cat`, so it does not support slice with '
                                         r'`bool` \(or with index lists and tensors\)'):
        instances[torch.tensor([0])]


def test_getitem_int_out_of_range():
    instances = make_instances()
    with pytest.raises(IndexError, match='Index 4 is out of range for InstanceData with 4'):
        instances[4]
    with pytest.raises(IndexError, match='Index -5 is out of range'):
        instances[-5]


@pytest.mark.parametrize('index, message', [
    (1.0, 'but got float: 1.0'),
    (True, 'but got bool: True'),
    ((0, 1), 'but got tuple'),
    (np.int64(1), 'but got int64'),
])
def test_getitem_rejects_unsupported_index_types(index, message):
    with pytest.raises(TypeError, match='InstanceData indices must be str, int, slice, list, '
                                        'np.ndarray or a long/bool torch.Tensor, ' + message):
        make_instances()[index]


def test_getitem_rejects_bad_tensor_and_array_indices():
    instances = make_instances()
    with pytest.raises(TypeError, match=r'long or bool tensors, but got a torch.int32 tensor.*'
                                        r'\.long\(\)'):
        instances[torch.tensor([0, 1], dtype=torch.int32)]
    with pytest.raises(AssertionError, match='arrays or lists of ints or bools, but got dtype '
                                             'float64'):
        instances[np.array([0.0, 1.0])]
    with pytest.raises(IndexError, match=r'tensor indices must be 1-D, but got shape \(2, 1\)'):
        instances[torch.tensor([[0], [1]])]
    with pytest.raises(IndexError, match=r'must be 1-D, but got shape \(\)'):
        instances[np.array(1)]
    with pytest.raises(IndexError, match='The bool mask has 3 entries, but this InstanceData has '
                                         '4 instances'):
        instances[torch.tensor([True, False, True])]
    with pytest.raises(AssertionError, match='The bool mask has 2 entries'):
        instances[[True, False]]


# ---------------------------------------------------------------- cat
def test_cat_concatenates_every_field_type():
    first, second = make_instances()[:2], make_instances()[[3]]
    joined = InstanceData.cat([first, second])
    assert_selected(joined, [0, 1, 3])
    assert first.names == ['a', 'b'] and first.text == 'wx'  # inputs are not modified


def test_cat_of_one_element_returns_it_and_keeps_subclass():
    instances = make_instances()
    assert InstanceData.cat([instances]) is instances

    class MyInstances(InstanceData):
        pass

    mine = MyInstances(scores=torch.ones(1))
    assert type(InstanceData.cat([mine, mine])) is MyInstances


def test_cat_errors():
    instances = make_instances()
    with pytest.raises(TypeError, match=r'InstanceData.cat\(\) expects a list of InstanceData, '
                                        'but entry 1 is a BaseDataElement'):
        InstanceData.cat([instances, BaseDataElement()])
    with pytest.raises(ValueError, match=r'InstanceData.cat\(\) needs at least one InstanceData'):
        InstanceData.cat([])
    other = make_instances()
    other.extra = torch.zeros(4)
    del other.text
    with pytest.raises(AssertionError, match=r"entry 1 differs from entry 0: missing \['text'\], "
                                             r"extra \['extra'\]"):
        InstanceData.cat([instances, other])
    tags = InstanceData(tags={'a'})
    with pytest.raises(ValueError, match="The type of `tags` is `<class 'set'>` which has no "
                                         r'attribute of `cat`, so InstanceData.cat\(\) cannot'):
        InstanceData.cat([tags, tags])


# ---------------------------------------------------------------- inherited behaviour
def test_tensor_methods_and_new_keep_the_type():
    instances = make_instances()
    assert type(instances.new()) is InstanceData
    as_numpy = instances.numpy()
    assert isinstance(as_numpy.scores, np.ndarray) and len(as_numpy) == 4
    assert isinstance(as_numpy.to_tensor().boxes, torch.Tensor)
    assert instances.to(torch.float64).scores.dtype == torch.float64


def test_repr_shows_fields_in_order():
    text = repr(InstanceData(metainfo=dict(a=1), labels=torch.tensor([2]), names=['x']))
    assert text.startswith('<InstanceData(\n\n    META INFORMATION\n    a: 1\n\n    DATA FIELDS\n'
                           '    labels: tensor([2])\n    names: [\'x\']\n) at 0x')
