"""The comparison helpers of ``mmlightning.testing``."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mmlightning.testing import (
    assert_allclose,
    assert_attrs_equal,
    assert_dict_contains_subset,
    assert_dict_has_keys,
    assert_is_norm_layer,
    assert_keys_equal,
    assert_params_all_zeros,
    check_python_script,
)


# ------------------------------------------------------------------ assert_allclose
def test_allclose_passes_on_close_tensors_and_python_values():
    assert_allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-6]))
    assert_allclose([1.0, 2.0], [1.0, 2.0])
    assert_allclose(3.0, 3.0)
    # dtypes are not compared: expected takes the dtype of actual
    assert_allclose(torch.tensor([1, 2]), [1.0, 2.0])
    assert_allclose(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 2.0]))


def test_allclose_failure_describes_the_mismatch():
    with pytest.raises(AssertionError, match=r'Mismatched elements: 1 / 2') as info:
        assert_allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    assert 'Greatest absolute difference: 0.5' in str(info.value)


def test_allclose_default_tolerances_follow_the_dtype():
    # float32: rtol 1e-4, atol 1e-5
    assert_allclose(torch.tensor([1.0]), torch.tensor([1.00009]))
    with pytest.raises(AssertionError, match='Mismatched elements'):
        assert_allclose(torch.tensor([1.0]), torch.tensor([1.0002]))
    # float16 is looser: rtol 1e-3, atol 1e-3
    assert_allclose(torch.tensor([1.0], dtype=torch.float16),
                    torch.tensor([1.0019], dtype=torch.float16))
    # float64: rtol 1e-5, atol 1e-8
    with pytest.raises(AssertionError, match='Mismatched elements'):
        assert_allclose(torch.tensor([1.0], dtype=torch.float64),
                        torch.tensor([1.00002], dtype=torch.float64))
    # integers are compared exactly
    with pytest.raises(AssertionError, match='Mismatched elements'):
        assert_allclose(torch.tensor([100]), torch.tensor([101]))


def test_allclose_explicit_tolerances():
    assert_allclose(torch.tensor([1.0]), torch.tensor([1.5]), rtol=0, atol=0.6)
    with pytest.raises(AssertionError, match='Mismatched elements'):
        assert_allclose(torch.tensor([1.0]), torch.tensor([1.5]), rtol=0, atol=0.4)


def test_allclose_needs_both_tolerances():
    with pytest.raises(ValueError, match=r'rtol=0.1 and atol=None: pass both'):
        assert_allclose(torch.tensor([1.0]), torch.tensor([1.0]), rtol=0.1)


def test_allclose_nan_handling():
    nan = torch.tensor([math.nan, 1.0])
    assert_allclose(nan, nan.clone())
    with pytest.raises(AssertionError, match='Mismatched elements'):
        assert_allclose(nan, nan.clone(), equal_nan=False)


def test_allclose_shape_mismatch_raises():
    with pytest.raises(AssertionError, match='shape'):
        assert_allclose(torch.zeros(2), torch.zeros(3))


def test_allclose_custom_messages():
    with pytest.raises(AssertionError, match='^losses differ$'):
        assert_allclose(torch.tensor([1.0]), torch.tensor([2.0]), msg='losses differ')
    with pytest.raises(AssertionError, match=r'^step 3: Tensor-likes are not close'):
        assert_allclose(torch.tensor([1.0]), torch.tensor([2.0]),
                        msg=lambda generated: f'step 3: {generated}')


# ------------------------------------------------------ dict and attribute predicates
def test_dict_contains_subset():
    obj = dict(a=1, b='x', t=torch.tensor([1.0, 2.0]), n=np.array([[1, 2], [3, 4]]),
               s=torch.tensor(5), lst=[1, [2, 3]])
    assert assert_dict_contains_subset(obj, dict(a=1, b='x'))
    assert assert_dict_contains_subset(obj, dict(t=torch.tensor([1.0, 2.0]),
                                                 n=np.array([[1, 2], [3, 4]])))
    assert assert_dict_contains_subset(obj, dict(s=torch.tensor(5), lst=[1, [2, 3]]))
    assert assert_dict_contains_subset(obj, {})
    assert not assert_dict_contains_subset(obj, dict(a=2))
    assert not assert_dict_contains_subset(obj, dict(missing=1))
    assert not assert_dict_contains_subset(obj, dict(t=torch.tensor([1.0, 3.0])))
    assert not assert_dict_contains_subset(obj, dict(n=np.array([[1, 2], [3, 5]])))
    assert not assert_dict_contains_subset(obj, dict(s=torch.tensor(6)))
    assert not assert_dict_contains_subset(obj, dict(b='y'))


def test_dict_contains_subset_shapes_that_do_not_broadcast_differ():
    obj = dict(t=torch.zeros(2), n=np.zeros(2))
    assert not assert_dict_contains_subset(obj, dict(t=torch.zeros(3)))
    assert not assert_dict_contains_subset(obj, dict(n=np.zeros(3)))


def test_attrs_equal():
    class Obj:
        def __init__(self) -> None:
            self.a = 1
            self.tensor = torch.tensor([1.0, 2.0])
            self.name = 'toy'

    obj = Obj()
    assert assert_attrs_equal(obj, dict(a=1, tensor=torch.tensor([1.0, 2.0]), name='toy'))
    assert not assert_attrs_equal(obj, dict(a=2))
    assert not assert_attrs_equal(obj, dict(b=1))
    assert not assert_attrs_equal(obj, dict(tensor=torch.tensor([1.0, 2.5])))
    assert not assert_attrs_equal(obj, dict(tensor=torch.tensor([1.0, 2.0, 3.0])))


def test_dict_has_keys_and_keys_equal():
    obj = dict(a=1, b=2, c=3)
    assert assert_dict_has_keys(obj, ['a', 'b'])
    assert assert_dict_has_keys(obj, [])
    assert not assert_dict_has_keys(obj, ['a', 'd'])
    assert assert_keys_equal(['a', 'b'], ('b', 'a', 'a'))
    assert not assert_keys_equal(['a', 'b'], ['a'])
    assert not assert_keys_equal(['a'], ['a', 'b'])


# -------------------------------------------------------------------- module checks
@pytest.mark.parametrize('layer', [
    nn.BatchNorm1d(2), nn.BatchNorm2d(2), nn.BatchNorm3d(2), nn.SyncBatchNorm(2),
    nn.InstanceNorm1d(2), nn.InstanceNorm2d(2), nn.GroupNorm(1, 2), nn.LayerNorm(2)])
def test_is_norm_layer(layer):
    assert assert_is_norm_layer(layer)


@pytest.mark.parametrize('layer', [nn.Conv2d(1, 1, 1), nn.Linear(1, 1), nn.ReLU(),
                                   nn.Sequential(nn.BatchNorm1d(2))])
def test_is_not_norm_layer(layer):
    assert not assert_is_norm_layer(layer)


def test_params_all_zeros():
    linear = nn.Linear(3, 2)
    assert not assert_params_all_zeros(linear)
    nn.init.zeros_(linear.weight)
    assert not assert_params_all_zeros(linear)  # the bias is not zero yet
    nn.init.zeros_(linear.bias)
    assert assert_params_all_zeros(linear)
    conv = nn.Conv2d(1, 1, 3, bias=False)
    nn.init.zeros_(conv.weight)
    assert assert_params_all_zeros(conv)


def test_params_all_zeros_needs_a_weight():
    with pytest.raises(AttributeError, match=r'Sequential has weight=None; pass the layer'):
        assert_params_all_zeros(nn.Sequential(nn.Linear(1, 1)))


# ------------------------------------------------------------------ check_python_script
SCRIPT = """
import json
import sys

if __name__ == '__main__':
    if sys.argv[1:] == ['--fail']:
        raise SystemExit('asked to fail')
    with open(sys.argv[1], 'w') as f:
        json.dump(sys.argv, f)
"""


@pytest.mark.parametrize('prefix', ['', 'python '])
def test_check_python_script_runs_as_main_with_argv(tmp_path, prefix):
    script = tmp_path / 'hello.py'
    script.write_text(SCRIPT)
    out = tmp_path / 'argv.json'
    argv_before = list(sys.argv)
    check_python_script(f'{prefix}{script} {out}')
    assert out.read_text() == f'["{script}", "{out}"]'
    assert sys.argv == argv_before


def test_check_python_script_propagates_the_script_error(tmp_path):
    script = tmp_path / 'hello.py'
    script.write_text(SCRIPT)
    with pytest.raises(SystemExit, match='asked to fail'):
        check_python_script(f'python {script} --fail')


def test_check_python_script_needs_a_script():
    with pytest.raises(ValueError, match=r"got 'python', which names no script"):
        check_python_script('python')
