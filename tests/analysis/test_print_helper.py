"""get_model_complexity_info and the printouts."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.analysis import get_model_complexity_info, parameter_count_table
from mmlightning.analysis.print_helper import _format_size
from mmlightning.analysis.statistics import _remove_zero_statistics


class TwoInputs(nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(5, 6)
        self.b = nn.Linear(7, 6)
        self.unused = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.a(x) + self.b(y)


def test_info_from_shapes() -> None:
    info = get_model_complexity_info(TwoInputs(), input_shape=((5,), (7,)))
    assert info['flops'] == 5 * 6 + 7 * 6
    assert info['activations'] == 12
    assert info['params'] == 36 + 48 + 6
    assert (info['flops_str'], info['params_str']) == ('72', '90')
    assert '#activations' in info['out_table'] and ' a.weight ' in info['out_table']
    assert info['out_arch'].startswith('\nN/A indicates')          # `unused` was never called
    assert ('(unused): Linear(\n    in_features=2, out_features=2, bias=True\n'
            '    #params: 6, #flops: N/A, #acts: N/A\n  )') in info['out_arch']


def test_info_from_inputs_without_printouts() -> None:
    info = get_model_complexity_info(nn.Linear(5, 6), inputs=(torch.randn(3, 5),),
                                     show_table=False, show_arch=False)
    assert (info['flops'], info['out_table'], info['out_arch']) == (90, '', '')


@pytest.mark.parametrize('kwargs, message', [
    ({}, 'should be set'),
    ({'input_shape': (5,), 'inputs': torch.randn(1, 5)}, 'cannot be both set'),
    ({'input_shape': [5]}, 'tuple of int'),
])
def test_info_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_model_complexity_info(nn.Linear(5, 6), **kwargs)


@pytest.mark.parametrize('value, text', [
    (0, '0'), (999, '0.999K'), (100, '100'), (1234567, '1.235M'),
    (2.5e9, '2.5G'), (3e12, '3T'), (4e15, '4P'), (-2000, '-2K')])
def test_format_size(value: float, text: str) -> None:
    assert _format_size(value) == text


def test_format_size_hides_zero() -> None:
    assert _format_size(0, hide_zero=True) == ''


def test_remove_zero_statistics_keeps_parents_of_non_trivial_children() -> None:
    stats = {'': {'f': 0}, 'a': {'f': 0}, 'a.b': {'f': 3}, 'c': {'f': 0}}
    assert set(_remove_zero_statistics(stats)) == {'', 'a.b'}
    assert set(_remove_zero_statistics(stats, require_trivial_children=True)) == {'', 'a', 'a.b'}


def test_parameter_count_table() -> None:
    table = parameter_count_table(TwoInputs(), max_depth=1)
    assert 'parameter count of TwoInputs' in table
    assert '| model ' in table and '| 90 ' in table
    assert ' a ' in table and 'a.weight' not in table
