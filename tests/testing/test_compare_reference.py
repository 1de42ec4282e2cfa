"""``mmlightning.testing`` comparison helpers against ``mmengine.testing`` on the same inputs."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from mmlightning import testing as ours

mmengine_testing = pytest.importorskip('mmengine.testing')

SUBSET_CASES = [
    (dict(a=1, b='x'), dict(a=1)),
    (dict(a=1, b='x'), dict(a=2)),
    (dict(a=1), dict(c=1)),
    (dict(t=torch.tensor([1.0, 2.0])), dict(t=torch.tensor([1.0, 2.0]))),
    (dict(t=torch.tensor([1.0, 2.0])), dict(t=torch.tensor([1.0, 3.0]))),
    (dict(t=torch.tensor(3)), dict(t=torch.tensor(3))),
    (dict(t=torch.tensor(3)), dict(t=torch.tensor(4))),
    (dict(n=np.array([[1, 2], [3, 4]])), dict(n=np.array([[1, 2], [3, 4]]))),
    (dict(n=np.array([[1, 2], [3, 4]])), dict(n=np.array([[1, 2], [3, 0]]))),
    (dict(lst=[1, [2, 3]]), dict(lst=[1, [2, 3]])),
    (dict(lst=[1, [2, 3]]), dict(lst=[1, [2, 4]])),
    (dict(a=1), dict()),
]


@pytest.mark.parametrize('obj,subset', SUBSET_CASES)
def test_dict_contains_subset_and_attrs_equal_match_mmengine(obj, subset):
    assert ours.assert_dict_contains_subset(obj, subset) is \
        mmengine_testing.assert_dict_contains_subset(obj, subset)

    class Holder:
        pass

    holder = Holder()
    holder.__dict__.update(obj)
    assert ours.assert_attrs_equal(holder, subset) is \
        mmengine_testing.assert_attrs_equal(holder, subset)


@pytest.mark.parametrize('keys', [['a'], ['a', 'b'], ['d'], [], ['a', 'b', 'c', 'd']])
def test_key_predicates_match_mmengine(keys):
    obj = dict(a=1, b=2, c=3)
    assert ours.assert_dict_has_keys(obj, keys) is \
        mmengine_testing.assert_dict_has_keys(obj, keys)
    assert ours.assert_keys_equal(list(obj), keys) is \
        mmengine_testing.assert_keys_equal(list(obj), keys)


@pytest.mark.parametrize('module', [
    nn.BatchNorm2d(2), nn.SyncBatchNorm(2), nn.InstanceNorm2d(2), nn.GroupNorm(1, 2),
    nn.LayerNorm(2), nn.Conv2d(1, 1, 1), nn.Linear(1, 1), nn.Identity()])
def test_is_norm_layer_matches_mmengine(module):
    assert ours.assert_is_norm_layer(module) is mmengine_testing.assert_is_norm_layer(module)


@pytest.mark.parametrize('zero_weight,zero_bias,bias', [
    (True, True, True), (True, False, True), (False, True, True), (True, None, False),
    (False, None, False)])
def test_params_all_zeros_matches_mmengine(zero_weight, zero_bias, bias):
    layer = nn.Linear(2, 2, bias=bias)
    if zero_weight:
        nn.init.zeros_(layer.weight)
    if zero_bias:
        nn.init.zeros_(layer.bias)
    assert ours.assert_params_all_zeros(layer) == mmengine_testing.assert_params_all_zeros(layer)


ALLCLOSE_CASES = [
    (torch.tensor([1.0]), torch.tensor([1.00009]), {}),
    (torch.tensor([1.0]), torch.tensor([1.0002]), {}),
    (torch.tensor([1.0], dtype=torch.float64), torch.tensor([1.000009], dtype=torch.float64), {}),
    (torch.tensor([1.0], dtype=torch.float64), torch.tensor([1.00002], dtype=torch.float64), {}),
    (torch.tensor([1.0], dtype=torch.float16), torch.tensor([1.0019], dtype=torch.float16), {}),
    (torch.tensor([1, 2]), [1.0, 2.0], {}),
    (torch.tensor([100]), torch.tensor([101]), {}),
    ([1.0, 2.0], [1.0, 2.1], {}),
    (torch.tensor([1.0]), torch.tensor([1.5]), dict(rtol=0, atol=0.6)),
    (torch.tensor([1.0]), torch.tensor([1.5]), dict(rtol=0, atol=0.4)),
    (torch.tensor([math.nan]), torch.tensor([math.nan]), {}),
    (torch.tensor([math.nan]), torch.tensor([math.nan]), dict(equal_nan=False)),
    (torch.zeros(2), torch.zeros(3), {}),
]


def _passes(function, actual, expected, kwargs) -> bool:
    try:
        function(actual, expected, **kwargs)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize('actual,expected,kwargs', ALLCLOSE_CASES)
def test_allclose_matches_mmengine(actual, expected, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # torch.testing.assert_allclose is deprecated
        reference = _passes(mmengine_testing.assert_allclose, actual, expected, kwargs)
    assert _passes(ours.assert_allclose, actual, expected, kwargs) is reference
