"""Tests for BaseDataElement: field bookkeeping, dict-like access, copies, tensor methods, repr."""
from __future__ import annotations

import copy
import pickle
import re
from types import MappingProxyType

import numpy as np
import pytest
import torch

from mmlightning.structures import BaseDataElement


class DetDataSample(BaseDataElement):
    """A downstream-style sample whose typed fields are properties over ``_name`` fields."""

    @property
    def proposals(self) -> BaseDataElement:
        return self._proposals

    @proposals.setter
    def proposals(self, value: BaseDataElement) -> None:
        self.set_field(value, '_proposals', dtype=BaseDataElement)

    @proposals.deleter
    def proposals(self) -> None:
        del self._proposals


def make_element() -> BaseDataElement:
    return BaseDataElement(metainfo=dict(img_id=3, img_shape=(4, 5)),
                           bboxes=torch.arange(8.).view(2, 4), labels=[1, 2])


# ---------------------------------------------------------------- construction and fields
def test_init_splits_metainfo_and_data():
    element = make_element()
    assert element.metainfo_keys() == ['img_id', 'img_shape']
    assert element.keys() == ['bboxes', 'labels']
    assert element.img_shape == (4, 5)
    assert element.labels == [1, 2]
    assert element.metainfo == {'img_id': 3, 'img_shape': (4, 5)}
    assert BaseDataElement().all_keys() == []


def test_set_metainfo_deep_copies_and_overwrites():
    meta = {'sizes': [1, 2]}
    element = BaseDataElement(metainfo=meta)
    meta['sizes'].append(3)
    assert element.sizes == [1, 2]
    element.set_metainfo({'sizes': [9]})
    assert element.sizes == [9]
    assert element.metainfo_keys() == ['sizes']
    assert BaseDataElement(metainfo=MappingProxyType({'a': 1})).a == 1  # any Mapping works


def test_set_metainfo_rejects_non_mapping():
    with pytest.raises(TypeError, match=r'set_metainfo\(\) expects a dict of metainfo fields, '
                                        r'but got list'):
        BaseDataElement().set_metainfo([('a', 1)])
    with pytest.raises(AssertionError, match='but got int'):
        BaseDataElement(metainfo=3)


def test_set_data_sets_attributes_and_rejects_non_mapping():
    element = BaseDataElement()
    element.set_data({'scores': torch.ones(2)})
    assert element.keys() == ['scores']
    with pytest.raises(TypeError, match=r'set_data\(\) expects a dict of data fields, but got str'):
        element.set_data('scores')


def test_update_copies_fields_from_other_element():
    element = make_element()
    other = BaseDataElement(metainfo=dict(img_id=7, flip=True), labels=[5, 6], extra='x')
    element.update(other)
    assert element.img_id == 7 and element.flip is True
    assert element.labels == [5, 6] and element.extra == 'x'
    assert element.bboxes.shape == (2, 4)
    with pytest.raises(TypeError, match=r'update\(\) expects a BaseDataElement, but got dict.*'
                                        r'set_data'):
        element.update({'labels': [1]})


def test_set_field_checks_dtype_and_field_type():
    element = BaseDataElement()
    element.set_field(torch.ones(1), 'score', dtype=torch.Tensor)
    element.set_field('a.png', 'filename', field_type='metainfo')
    assert element.keys() == ['score'] and element.metainfo_keys() == ['filename']
    with pytest.raises(TypeError, match=r'BaseDataElement.score must be Tensor or ndarray, '
                                        r'but got list'):
        element.set_field([1], 'score', dtype=(torch.Tensor, np.ndarray))
    with pytest.raises(AssertionError, match='must be int, but got str'):
        element.set_field('1', 'count', dtype=int)
    with pytest.raises(ValueError, match="field_type must be 'metainfo' or 'data', but got 'meta'"):
        element.set_field(1, 'x', field_type='meta')
    assert 'count' not in element and 'x' not in element


def test_metainfo_and_data_names_cannot_clash():
    element = make_element()
    with pytest.raises(AttributeError, match='Cannot set img_id to be a field of data because '
                                             'img_id is already a metainfo field of this '
                                             'BaseDataElement'):
        element.img_id = 5
    with pytest.raises(AttributeError, match='Cannot set labels to be a field of metainfo .* '
                                             r'already a data field.* Delete it first \(del '
                                             r'element.labels'):
        element.set_metainfo({'labels': 1})
    assert element.img_id == 3 and element.labels == [1, 2]


def test_private_attributes_are_immutable():
    element = make_element()
    with pytest.raises(AttributeError, match='_data_fields has been used as a private attribute, '
                                             'which is immutable: BaseDataElement keeps its field '
                                             'names there. Use another name'):
        element._data_fields = set()
    with pytest.raises(AttributeError, match='_metainfo_fields has been used as a private '
                                             'attribute, which is immutable'):
        del element._metainfo_fields


def test_delete_fields_with_del_and_delitem():
    element = make_element()
    del element.img_id
    del element['labels']
    assert element.all_keys() == ['img_shape', 'bboxes']
    assert 'img_id' not in element and not hasattr(element, 'img_id')
    with pytest.raises(AttributeError, match=r"Cannot delete 'labels': BaseDataElement has no "
                                             r"such field. Fields: \['img_shape', 'bboxes'\]"):
        del element.labels
    with pytest.raises(AttributeError, match="Cannot delete 'bbox'.* Did you mean 'bboxes'"):
        del element['bbox']


def test_missing_attribute_suggests_close_field():
    element = make_element()
    with pytest.raises(AttributeError, match="'BaseDataElement' object has no field 'bboxs'. "
                                             "Did you mean 'bboxes'?"):
        element.bboxs
    assert element.get('bboxs') is None
    assert not hasattr(element, '__missing_dunder__')


# ---------------------------------------------------------------- dict-like access
def test_keys_values_items_and_their_metainfo_and_all_forms():
    element = make_element()
    assert element.metainfo_values() == [3, (4, 5)]
    assert element.values()[1] == [1, 2]
    assert [k for k, _ in element.items()] == ['bboxes', 'labels']
    assert list(element.metainfo_items()) == [('img_id', 3), ('img_shape', (4, 5))]
    assert element.all_keys() == ['img_id', 'img_shape', 'bboxes', 'labels']
    assert element.all_values()[:2] == [3, (4, 5)] and element.all_values()[3] == [1, 2]
    assert [k for k, _ in element.all_items()] == element.all_keys()


def test_keys_keep_insertion_order():
    element = BaseDataElement()
    for name in ['z', 'a', 'm', 'b']:
        setattr(element, name, name)
    assert element.keys() == ['z', 'a', 'm', 'b']


def test_get_and_contains():
    element = make_element()
    assert element.get('img_id') == 3
    assert element.get('labels') == [1, 2]
    assert element.get('missing', 'fallback') == 'fallback'
    assert 'img_id' in element and 'labels' in element and 'missing' not in element


def test_pop_metainfo_data_and_default():
    element = make_element()
    assert element.pop('img_id') == 3
    assert element.pop('labels') == [1, 2]
    assert element.all_keys() == ['img_shape', 'bboxes']
    assert element.pop('labels', None) is None
    assert element.pop('missing', 'default') == 'default'


def test_pop_errors():
    element = make_element()
    with pytest.raises(KeyError, match=r'label is not contained in metainfo or data of this '
                                       r"BaseDataElement. Did you mean 'labels'\?.*pop\(name, "
                                       r'None\)'):
        element.pop('label')
    with pytest.raises(TypeError, match=r'pop\(\) takes a name and an optional default, but got '
                                        '3 arguments'):
        element.pop('labels', None, None)
    with pytest.raises(AssertionError, match='but got 0 arguments'):
        element.pop()


# ---------------------------------------------------------------- copies
def test_new_keeps_type_and_fields_or_replaces_them():
    element = make_element()
    same = element.new()
    assert type(same) is BaseDataElement and same is not element
    assert same.metainfo == element.metainfo and same.labels is element.labels
    replaced = element.new(metainfo=dict(img_id=9), scores=torch.zeros(1))
    assert replaced.metainfo == {'img_id': 9} and replaced.keys() == ['scores']
    only_data = element.new(scores=torch.zeros(1))
    assert only_data.metainfo == element.metainfo and only_data.keys() == ['scores']


def test_clone_deep_copies_metainfo_and_shares_data():
    element = BaseDataElement(metainfo=dict(sizes=[1]), labels=[1, 2])
    clone = element.clone()
    clone.sizes.append(2)
    assert element.sizes == [1]
    assert clone.labels is element.labels
    assert clone.all_keys() == element.all_keys()


def test_to_dict_recurses_into_elements():
    inner = BaseDataElement(metainfo=dict(a=1), b=[2])
    outer = BaseDataElement(metainfo=dict(c=3), inner=inner, d='x')
    assert outer.to_dict() == {'c': 3, 'inner': {'a': 1, 'b': [2]}, 'd': 'x'}


def test_pickle_and_deepcopy_keep_fields_and_order():
    element = make_element()
    element.z = 'last'
    for restored in (pickle.loads(pickle.dumps(element)), copy.deepcopy(element)):
        assert restored.all_keys() == element.all_keys()
        assert torch.equal(restored.bboxes, element.bboxes)
        restored.extra = 1  # the restored field sets are live
        assert 'extra' in restored.keys() and 'extra' not in element


# ---------------------------------------------------------------- tensor-like methods
def test_to_applies_to_values_with_a_to_method():
    inner = BaseDataElement(x=torch.ones(2))
    element = BaseDataElement(metainfo=dict(m=torch.ones(1)), a=torch.ones(2), inner=inner,
                              labels=[1])
    half = element.to(torch.float16)
    assert half.a.dtype == torch.float16 and half.inner.x.dtype == torch.float16
    assert half.labels is element.labels
    assert half.m.dtype == torch.float32  # metainfo is left alone
    assert element.a.dtype == torch.float32


def test_detach_cpu_numpy_and_to_tensor():
    weight = torch.ones(2, requires_grad=True)
    element = BaseDataElement(a=weight * 2, inner=BaseDataElement(b=weight * 3), labels=[1])
    detached = element.detach()
    assert not detached.a.requires_grad and not detached.inner.b.requires_grad
    assert element.a.requires_grad
    assert element.cpu().a.device.type == 'cpu'
    as_numpy = element.numpy()
    assert isinstance(as_numpy.a, np.ndarray) and isinstance(as_numpy.inner.b, np.ndarray)
    np.testing.assert_array_equal(as_numpy.inner.b, [3.0, 3.0])
    assert as_numpy.labels == [1]
    back = as_numpy.to_tensor()
    assert isinstance(back.a, torch.Tensor) and isinstance(back.inner.b, torch.Tensor)
    back.a[0] = 7  # from_numpy shares memory with the array
    assert as_numpy.a[0] == 7


@pytest.mark.parametrize('method', ['cuda', 'npu', 'mlu', 'musa'])
def test_device_methods_call_the_same_tensor_method(monkeypatch, method):
    calls = []

    def fake(tensor):
        calls.append(tensor.shape)
        return tensor + 1

    monkeypatch.setattr(torch.Tensor, method, fake, raising=False)
    element = BaseDataElement(metainfo=dict(m=1), a=torch.zeros(2),
                              inner=BaseDataElement(b=torch.zeros(3)), labels=[0])
    moved = getattr(element, method)()
    assert torch.equal(moved.a, torch.ones(2)) and torch.equal(moved.inner.b, torch.ones(3))
    assert moved.labels == [0] and moved.m == 1
    assert sorted(calls) == [(2,), (3,)]


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_moves_tensors_to_gpu():
    moved = BaseDataElement(a=torch.zeros(2)).cuda()
    assert moved.a.is_cuda and moved.cpu().a.device.type == 'cpu'


# ---------------------------------------------------------------- subclass with properties
def test_property_fields_of_subclasses():
    sample = DetDataSample(metainfo=dict(img_id=1))
    proposals = BaseDataElement(bboxes=torch.zeros(1, 4))
    sample.proposals = proposals
    assert sample.proposals is proposals
    assert 'proposals' in sample and sample.keys() == ['proposals']
    assert list(sample.items()) == [('proposals', proposals)]
    with pytest.raises(TypeError, match='DetDataSample._proposals must be BaseDataElement, but '
                                        'got Tensor'):
        sample.proposals = torch.zeros(1, 4)
    assert sample.proposals is proposals
    del sample.proposals
    assert 'proposals' not in sample and sample.keys() == []


def test_property_fields_work_with_new_pop_and_missing_access():
    sample = DetDataSample(proposals=BaseDataElement(x=[1]))
    copy_ = sample.new()
    assert copy_.proposals is sample.proposals
    assert sample.pop('proposals').x == [1]
    assert sample.keys() == [] and sample._data_fields == set()
    with pytest.raises(AttributeError, match="no field 'proposals'"):
        sample.proposals


def test_failed_property_setter_leaves_fields_untouched():
    element = BaseDataElement()
    with pytest.raises(AttributeError, match='metainfo'):
        element.metainfo = {}
    assert element.all_keys() == []


# ---------------------------------------------------------------- repr
def _strip_addresses(text: str) -> str:
    return re.sub(r' at 0x[0-9a-f]+>', ' at ADDR>', text)


def test_repr_lists_metainfo_and_data():
    element = BaseDataElement(metainfo=dict(img_shape=(2, 3)), labels=torch.tensor([0, 1]))
    assert _strip_addresses(repr(element)) == (
        '<BaseDataElement(\n'
        '\n'
        '    META INFORMATION\n'
        '    img_shape: (2, 3)\n'
        '\n'
        '    DATA FIELDS\n'
        '    labels: tensor([0, 1])\n'
        ') at ADDR>')
    assert str(element) == repr(element)
    assert hex(id(element)) in repr(element)


def test_repr_indents_nested_elements_and_dicts():
    inner = BaseDataElement(metainfo=dict(a=1), b=[2])
    outer = BaseDataElement(metainfo=dict(meta={'x': 1, 'y': {}}), inner=inner)
    assert _strip_addresses(repr(outer)) == (
        '<BaseDataElement(\n'
        '\n'
        '    META INFORMATION\n'
        '    meta: \n'
        '        x: 1\n'
        '        y: {}\n'
        '\n'
        '    DATA FIELDS\n'
        '    inner: <BaseDataElement(\n'
        '        \n'
        '            META INFORMATION\n'
        '            a: 1\n'
        '        \n'
        '            DATA FIELDS\n'
        '            b: [2]\n'
        '        ) at ADDR>\n'
        ') at ADDR>')
