"""Tests for FieldSet, the insertion-ordered set that holds field names."""
from __future__ import annotations

import pytest

from mmlightning.structures._field_set import FieldSet


def test_keeps_insertion_order_and_ignores_re_adds():
    names = FieldSet(['b', 'a'])
    names.add('c')
    names.add('b')
    assert list(names) == ['b', 'a', 'c']
    assert len(names) == 3 and 'a' in names and 'z' not in names
    assert repr(names) == "{'b', 'a', 'c'}"


def test_behaves_like_a_set():
    names = FieldSet(['a', 'b', 'c'])
    assert names == {'a', 'b', 'c'}
    assert list(names - {'b'}) == ['a', 'c']
    assert isinstance(names - {'b'}, FieldSet)
    assert {'a', 'x'} - names == {'x'}
    names.discard('missing')
    names.remove('a')
    assert list(names) == ['b', 'c']
    with pytest.raises(KeyError, match='a'):
        names.remove('a')
