"""Tests for mmlightning.utils.misc: type checks, casts, containers, object lookup."""
from __future__ import annotations

import os.path
from collections import OrderedDict, namedtuple

import pytest

from mmlightning.utils import (
    apply_to,
    concat_list,
    get_object_from_string,
    has_method,
    import_modules_from_strings,
    is_list_of,
    is_method_overridden,
    is_seq_of,
    is_str,
    is_tuple_of,
    iter_cast,
    list_cast,
    slice_list,
    to_1tuple,
    to_2tuple,
    to_3tuple,
    to_4tuple,
    to_ntuple,
    tuple_cast,
)


def test_to_ntuple_repeats_scalars_and_keeps_iterables():
    assert to_1tuple(3) == (3, )
    assert to_2tuple(3) == (3, 3)
    assert to_3tuple(None) == (None, None, None)
    assert to_4tuple(1.5) == (1.5, ) * 4
    assert to_ntuple(5)(0) == (0, ) * 5
    pair = [1, 2]
    assert to_2tuple(pair) is pair
    assert to_2tuple('ab') == 'ab'  # strings are iterable, as in MMEngine


def test_is_str():
    assert is_str('a')
    assert not is_str(b'a')
    assert not is_str(1)


def test_is_seq_of_and_friends():
    assert is_seq_of([1, 2], int)
    assert is_seq_of((1, 2.0), (int, float))
    assert is_seq_of('abc', str)  # a str is a sequence of str
    assert is_seq_of([], int)
    assert not is_seq_of([1, 'a'], int)
    assert not is_seq_of({1, 2}, int)
    assert not is_seq_of(1, int)
    assert is_seq_of([1], int, seq_type=list)
    assert not is_seq_of((1, ), int, seq_type=list)
    assert is_list_of([1, 2], int)
    assert not is_list_of((1, 2), int)
    assert is_tuple_of((1, 2), int)
    assert not is_tuple_of([1, 2], int)
    assert not is_tuple_of(('a', 1), int)


def test_is_seq_of_rejects_a_non_type_seq_type():
    with pytest.raises(TypeError, match='seq_type must be a type.*got \\[1\\]'):
        is_seq_of([1], int, seq_type=[1])


def test_iter_cast():
    out = iter_cast(['1', '2'], int)
    assert not isinstance(out, list)
    assert list(out) == [1, 2]
    assert iter_cast(['1'], float, return_type=tuple) == (1.0, )
    assert list_cast(('1', '2'), int) == [1, 2]
    assert tuple_cast([1, 0], bool) == (True, False)


@pytest.mark.parametrize(('inputs', 'dst_type', 'match'), [
    (1, int, 'inputs must be an iterable object, got int'),
    ([1], 'int', '"dst_type" must be a valid type'),
])
def test_iter_cast_errors(inputs, dst_type, match):
    with pytest.raises(TypeError, match=match):
        iter_cast(inputs, dst_type)


def test_slice_list():
    data = list(range(6))
    assert slice_list(data, 2) == [[0, 1], [2, 3], [4, 5]]
    assert slice_list(data, [1, 2, 3]) == [[0], [1, 2], [3, 4, 5]]
    assert slice_list([], []) == []


@pytest.mark.parametrize(('lens', 'error', 'match'), [
    (4, ValueError, 'length 6 into pieces of length 4'),
    (0, ValueError, 'positive divisor'),
    ((1, 5), TypeError, 'integer or a list of integers'),
    ([1, 2], ValueError, 'does not match: 3 != 6'),
])
def test_slice_list_errors(lens, error, match):
    with pytest.raises(error, match=match):
        slice_list(list(range(6)), lens)


def test_concat_list():
    assert concat_list([[1, 2], (3, ), []]) == [1, 2, 3]
    assert concat_list([]) == []


def test_apply_to_keeps_container_types():
    Point = namedtuple('Point', ['x', 'y'])
    data = OrderedDict(a=[1, 'keep', (2, Point(3, 'y'))], b=4.0)
    out = apply_to(data, lambda x: isinstance(x, int), lambda x: x * 10)
    assert type(out) is OrderedDict
    assert out == OrderedDict(a=[10, 'keep', (20, Point(30, 'y'))], b=4.0)
    assert type(out['a'][2][1]) is Point
    assert data['a'][0] == 1  # input untouched
    assert apply_to(5, lambda x: False, lambda x: 0) == 5


def test_import_modules_from_strings():
    assert import_modules_from_strings(None) is None
    assert import_modules_from_strings([]) is None
    assert import_modules_from_strings('os.path') is os.path
    osp, sys_mod = import_modules_from_strings(['os.path', 'sys'])
    assert osp is os.path and sys_mod.__name__ == 'sys'


def test_import_modules_from_strings_failures():
    with pytest.raises(ImportError, match='Failed to import not_a_module_xyz.*allow_failed'):
        import_modules_from_strings('not_a_module_xyz')
    with pytest.warns(UserWarning, match='not_a_module_xyz failed to import'):
        out = import_modules_from_strings(['os', 'not_a_module_xyz'], allow_failed_imports=True)
    assert out[0] is os and out[1] is None
    with pytest.raises(TypeError, match='must be a list but got type'):
        import_modules_from_strings(('os', ))
    with pytest.raises(TypeError, match='1 is of type .*int.* and cannot be imported'):
        import_modules_from_strings(['os', 1])


class _Base:

    def foo(self):
        return 'base'

    def bar(self):
        return 'base'


class _Derived(_Base):

    def foo(self):
        return 'derived'


def test_is_method_overridden():
    assert is_method_overridden('foo', _Base, _Derived)
    assert not is_method_overridden('bar', _Base, _Derived)
    assert is_method_overridden('foo', _Base, _Derived())
    with pytest.raises(TypeError, match="doesn't accept instance"):
        is_method_overridden('foo', _Base(), _Derived)
    with pytest.raises(AttributeError):
        is_method_overridden('missing', _Base, _Derived)


def test_has_method():
    obj = _Derived()
    obj.value = 1
    assert has_method(obj, 'foo')
    assert not has_method(obj, 'value')
    assert not has_method(obj, 'missing')


def test_get_object_from_string():
    import collections.abc
    import json.decoder

    assert get_object_from_string('os') is os
    assert get_object_from_string('os.path') is os.path
    assert get_object_from_string('os.path.join') is os.path.join
    assert get_object_from_string('json.decoder.JSONDecoder') is json.decoder.JSONDecoder
    assert get_object_from_string('collections.abc.Sequence') is collections.abc.Sequence
    assert get_object_from_string('collections.OrderedDict.fromkeys') == OrderedDict.fromkeys
    assert get_object_from_string('not_a_module_xyz') is None
    assert get_object_from_string('os.not_a_submodule_xyz') is None
    assert get_object_from_string('os.path.join.nope') is None
