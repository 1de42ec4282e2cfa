"""Reference tests: drive the same operations on mmengine.structures and ours, compare results.

Skipped when mmengine is not installed. Field order is not compared: MMEngine keeps field names
in a ``set``, so its order is arbitrary; ours is insertion order.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

import mmlightning.structures as ours

mmengine = pytest.importorskip('mmengine')
theirs = pytest.importorskip('mmengine.structures')



class Polygons:
    """A custom field type with ``__len__``, ``__getitem__`` and ``cat``."""

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        return Polygons(self.items[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Polygons) and other.items == self.items

    @staticmethod
    def cat(parts: list[Polygons]) -> Polygons:
        return Polygons([item for part in parts for item in part.items])


def assert_same(mine: Any, reference: Any) -> None:
    """Compare values recursively; elements by type name, metainfo and data (order ignored)."""
    if isinstance(reference, theirs.BaseDataElement):
        assert type(mine).__name__ == type(reference).__name__
        assert sorted(mine.metainfo_keys()) == sorted(reference.metainfo_keys())
        assert sorted(mine.keys()) == sorted(reference.keys())
        for name in reference.all_keys():
            assert_same(getattr(mine, name), getattr(reference, name))
    elif isinstance(reference, torch.Tensor):
        assert isinstance(mine, torch.Tensor) and mine.dtype == reference.dtype
        assert mine.shape == reference.shape and torch.equal(mine, reference)
    elif isinstance(reference, np.ndarray):
        assert isinstance(mine, np.ndarray) and mine.dtype == reference.dtype
        np.testing.assert_array_equal(mine, reference)
    else:
        assert type(mine) is type(reference) and mine == reference


def on_both(build: Callable[[ModuleType], Any]) -> tuple[Any, Any]:
    return build(ours), build(theirs)


def compare(build: Callable[[ModuleType], Any]) -> None:
    mine, reference = on_both(build)
    assert_same(mine, reference)


def compare_error(action: Callable[[ModuleType], Any]) -> None:
    """Our error must be an instance of the exception type MMEngine raises."""
    with pytest.raises(Exception) as reference:
        action(theirs)
    with pytest.raises(reference.type):
        action(ours)


def make_element(lib: ModuleType) -> Any:
    inner = lib.BaseDataElement(metainfo=dict(a=1), b=torch.tensor([2.0]))
    return lib.BaseDataElement(metainfo=dict(img_id=3, img_shape=(4, 5)),
                               bboxes=torch.arange(8.).view(2, 4), labels=[1, 2], inner=inner)


def make_instances(lib: ModuleType) -> Any:
    instances = lib.InstanceData(metainfo=dict(img_shape=(10, 10)))
    instances.scores = torch.tensor([0.9, 0.1, 0.5, 0.7])
    instances.boxes = np.arange(16).reshape(4, 4)
    instances.names = ['a', 'b', 'c', 'd']
    instances.flags = (True, False, True, False)
    instances.text = 'wxyz'
    instances.polygons = Polygons([[1], [2], [3], [4]])
    return instances


def make_sample_class(lib: ModuleType) -> type:
    class DetDataSample(lib.BaseDataElement):
        @property
        def proposals(self):
            return self._proposals

        @proposals.setter
        def proposals(self, value):
            self.set_field(value, '_proposals', dtype=lib.BaseDataElement)

        @proposals.deleter
        def proposals(self):
            del self._proposals

    return DetDataSample


def normalize_repr(text: str) -> list[str]:
    text = re.sub(r' at 0x[0-9a-f]+>', ' at ADDR>', text)
    return text.split('\n')


# ---------------------------------------------------------------- BaseDataElement
def test_base_element_fields_and_dict_access():
    compare(make_element)
    mine, reference = on_both(make_element)
    assert mine.metainfo == reference.metainfo
    assert sorted(mine.all_keys()) == sorted(reference.all_keys())
    assert dict(mine.metainfo_items()) == dict(reference.metainfo_items())
    for name in ['img_id', 'labels', 'missing']:
        assert (name in mine) == (name in reference)
        assert_same(mine.get(name, 'default'), reference.get(name, 'default'))
    for name in ['img_id', 'labels']:
        assert_same(mine.pop(name), reference.pop(name))
        assert_same(mine.pop(name, None), reference.pop(name, None))
    assert sorted(mine.all_keys()) == sorted(reference.all_keys())


@pytest.mark.parametrize('operation', [
    lambda e: e.new(),
    lambda e: e.new(metainfo=dict(x=1)),
    lambda e: e.new(scores=torch.ones(1)),
    lambda e: e.clone(),
    lambda e: e.to(torch.float16),
    lambda e: e.cpu(),
    lambda e: e.detach(),
    lambda e: e.numpy(),
    lambda e: e.numpy().to_tensor(),
    lambda e: e.to_dict(),
], ids=['new', 'new-metainfo', 'new-data', 'clone', 'to', 'cpu', 'detach', 'numpy', 'to_tensor',
        'to_dict'])
def test_base_element_copies_and_tensor_methods(operation):
    mine, reference = on_both(lambda lib: operation(make_element(lib)))
    if isinstance(reference, dict):
        assert sorted(mine) == sorted(reference)
        for name in reference:
            if isinstance(reference[name], dict):
                assert mine[name].keys() == reference[name].keys()
            else:
                assert_same(mine[name], reference[name])
    else:
        assert_same(mine, reference)


def test_base_element_update_and_set_data():
    def build(lib):
        element = make_element(lib)
        element.update(lib.BaseDataElement(metainfo=dict(img_id=7, flip=True), labels=[5]))
        element.set_data(dict(extra='x'))
        element.set_metainfo(dict(img_shape=(1, 1)))
        del element.bboxes
        return element

    compare(build)


def test_clone_shares_data_like_mmengine():
    for lib in (ours, theirs):
        element = make_element(lib)
        assert element.clone().labels is element.labels


def test_property_fields_of_subclasses():
    def build(lib):
        sample = make_sample_class(lib)(metainfo=dict(img_id=1))
        sample.proposals = lib.BaseDataElement(x=torch.zeros(1))
        return sample

    mine, reference = on_both(build)
    assert mine.keys() == reference.keys() == ['proposals']
    assert sorted(mine._data_fields) == sorted(reference._data_fields)
    assert_same(mine.proposals, reference.proposals)
    del mine.proposals, reference.proposals
    assert mine.keys() == reference.keys() == []


@pytest.mark.parametrize('action', [
    lambda lib: lib.BaseDataElement(metainfo=[1]),
    lambda lib: lib.BaseDataElement().set_data([1]),
    lambda lib: lib.BaseDataElement().update({}),
    lambda lib: lib.BaseDataElement().set_field(1, 'x', dtype=str),
    lambda lib: lib.BaseDataElement().set_field(1, 'x', field_type='meta'),
    lambda lib: setattr(make_element(lib), 'img_id', 1),
    lambda lib: make_element(lib).set_metainfo(dict(labels=1)),
    lambda lib: setattr(lib.BaseDataElement(), '_data_fields', set()),
    lambda lib: delattr(lib.BaseDataElement(), '_metainfo_fields'),
    lambda lib: delattr(lib.BaseDataElement(), 'missing'),
    lambda lib: make_element(lib).missing,
    lambda lib: make_element(lib).pop('missing'),
    lambda lib: make_element(lib).pop('labels', 1, 2),
    lambda lib: setattr(make_sample_class(lib)(), 'proposals', torch.zeros(1)),
])
def test_base_element_errors_match(action):
    compare_error(action)


def test_repr_matches_mmengine_layout():
    def build(lib):
        inner = lib.BaseDataElement(metainfo=dict(a=1), b=[2])
        return lib.BaseDataElement(metainfo=dict(meta={'x': 1}), inner=inner)

    mine, reference = on_both(build)
    assert normalize_repr(repr(mine)) == normalize_repr(repr(reference))
    mine, reference = on_both(make_instances)
    assert sorted(normalize_repr(repr(mine))) == sorted(normalize_repr(repr(reference)))


# ---------------------------------------------------------------- InstanceData
@pytest.mark.parametrize('index', [
    2, -1, slice(1, 3), slice(None, None, 2), 'names',
    torch.tensor([3, 0]), torch.tensor([True, False, True, False]),
    [2, 1], [False, True, False, True], np.array([1, 3], dtype=np.int32),
    np.array([True, True, False, False]), np.array([], dtype=np.int64),
    torch.tensor([], dtype=torch.long), torch.zeros(4, dtype=torch.bool),
], ids=repr)
def test_instance_indexing_matches(index):
    mine, reference = on_both(lambda lib: make_instances(lib)[index])
    assert_same(mine, reference)
    if not isinstance(index, str):
        assert len(mine) == len(reference)


def test_instance_cat_and_len_match():
    def build(lib):
        instances = make_instances(lib)
        return lib.InstanceData.cat([instances[:2], instances[[3]], instances[0]])

    mine, reference = on_both(build)
    assert_same(mine, reference)
    assert len(mine) == len(reference) == 4


@pytest.mark.parametrize('action', [
    lambda lib: lib.InstanceData(score=1),
    lambda lib: setattr(make_instances(lib), 'extra', [1]),
    lambda lib: make_instances(lib).__setitem__('extra', torch.zeros(5)),
    lambda lib: make_instances(lib)[4],
    lambda lib: make_instances(lib)[-5],
    lambda lib: make_instances(lib)[1.0],
    lambda lib: make_instances(lib)[torch.tensor([0, 1], dtype=torch.int32)],
    lambda lib: make_instances(lib)[torch.tensor([[0], [1]])],
    lambda lib: make_instances(lib)[torch.tensor([True, False])],
    lambda lib: lib.InstanceData(a=torch.ones(2), tags={'a', 'b'})[torch.tensor([0])],
    lambda lib: lib.InstanceData.cat([]),
    lambda lib: lib.InstanceData.cat([make_instances(lib), lib.BaseDataElement()]),
    lambda lib: lib.InstanceData.cat([make_instances(lib), make_instances(lib)[:0].new(x=[])]),
    lambda lib: lib.InstanceData.cat([lib.InstanceData(t={'a'}), lib.InstanceData(t={'b'})]),
])
def test_instance_errors_match(action):
    compare_error(action)


# ---------------------------------------------------------------- LabelData
@pytest.mark.parametrize('label', [torch.tensor([0, 2]), torch.tensor([3]), torch.tensor([1, 1])])
def test_label_onehot_round_trip_matches(label):
    mine = ours.LabelData.label_to_onehot(label, 4)
    assert_same(mine, theirs.LabelData.label_to_onehot(label, 4))
    assert_same(ours.LabelData.onehot_to_label(mine), theirs.LabelData.onehot_to_label(mine))


@pytest.mark.parametrize('action', [
    lambda lib: lib.LabelData.onehot_to_label(torch.tensor([0, 2])),
    lambda lib: lib.LabelData.onehot_to_label(torch.ones(2, 2)),
    lambda lib: lib.LabelData.onehot_to_label([0, 1]),
    lambda lib: lib.LabelData.label_to_onehot(torch.tensor([0, 3]), 3),
    lambda lib: lib.LabelData.label_to_onehot([1], 3),
])
def test_label_errors_match(action):
    compare_error(action)


# ---------------------------------------------------------------- PixelData
def make_pixels(lib: ModuleType) -> Any:
    return lib.PixelData(metainfo=dict(img_id=1), seg=torch.arange(60).view(3, 4, 5),
                         depth=np.arange(20).reshape(1, 4, 5))


@pytest.mark.parametrize('index', [
    (slice(1, 3), slice(0, 5, 2)), (2, 3), (-1, slice(None)), (slice(None), -5),
], ids=repr)
def test_pixel_slicing_matches(index):
    mine, reference = on_both(lambda lib: make_pixels(lib)[index])
    assert_same(mine, reference)
    assert mine.shape == reference.shape


def test_pixel_two_dim_values_match():
    def build(lib):
        pixels = make_pixels(lib)
        with pytest.warns(UserWarning):
            pixels.mask = torch.ones(4, 5)
        return pixels

    mine, reference = on_both(build)
    assert_same(mine, reference)
    assert mine.shape == reference.shape == (4, 5)
    assert ours.PixelData().shape is theirs.PixelData().shape is None


@pytest.mark.parametrize('action', [
    lambda lib: lib.PixelData(seg=[[1]]),
    lambda lib: setattr(make_pixels(lib), 'mask', torch.zeros(1, 4, 6)),
    lambda lib: lib.PixelData(x=torch.zeros(1, 1, 4, 5)),
    lambda lib: make_pixels(lib)[1:2],
    lambda lib: make_pixels(lib)[0, 0, 0],
    lambda lib: make_pixels(lib)[0, [1]],
])
def test_pixel_errors_match(action):
    compare_error(action)
