"""Flop and activation counts against counts computed by hand."""
from __future__ import annotations

from collections import Counter

import pytest
import torch
from torch import nn

from mmlightning.analysis import (
    ActivationAnalyzer,
    FlopAnalyzer,
    activation_count,
    flop_count,
    parameter_count,
)
from mmlightning.analysis.jit_analysis import JitModelAnalysis


class ConvThenLinear(nn.Module):
    """conv 3->10 (1x1) on 10x10, then linear 1000->10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 10, kernel_size=1)
        self.act = nn.ReLU()
        self.fc = nn.Linear(1000, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.act(self.conv(x)).flatten(1))


def test_conv_and_linear_by_hand() -> None:
    flops = FlopAnalyzer(ConvThenLinear(), (torch.randn(2, 3, 10, 10),))
    conv = 2 * (10 * 3 * 1 * 1) * (10 * 10)        # batch * prod(weight) * prod(out spatial)
    linear = 2 * 1000 * 10                         # batch * in * out
    assert flops.total() == conv + linear
    assert flops.by_operator() == Counter({'conv': conv, 'linear': linear})
    assert flops.by_module() == Counter({'': conv + linear, 'conv': conv, 'fc': linear, 'act': 0})
    assert flops.total('fc') == linear
    assert flops.uncalled_modules() == set()


def test_activations_by_hand() -> None:
    acts = ActivationAnalyzer(ConvThenLinear(), (torch.randn(1, 3, 10, 10),))
    assert acts.by_operator() == Counter({'conv': 10 * 10 * 10, 'linear': 10})


def test_strided_and_transposed_conv() -> None:
    model = nn.Sequential(nn.Conv2d(4, 6, 3, stride=2, padding=1),
                          nn.ConvTranspose2d(6, 2, 2, stride=2))
    flops = FlopAnalyzer(model, (torch.randn(1, 4, 8, 8),))
    conv = 1 * (6 * 4 * 3 * 3) * (4 * 4)            # output 4x4
    deconv = 1 * (6 * 2 * 2 * 2) * (4 * 4)          # transposed: input spatial 4x4
    assert flops.by_module() == Counter({'': conv + deconv, '0': conv, '1': deconv})


@pytest.mark.parametrize('training, expected_per_element', [(True, 5), (False, 2)])
def test_batch_norm_train_and_eval(training: bool, expected_per_element: int) -> None:
    model = nn.BatchNorm2d(3).train(training)
    assert FlopAnalyzer(model, (torch.randn(2, 3, 4, 4),)).total() == 2 * 3 * 4 * 4 \
        * expected_per_element


def test_norms_upsampling_and_pooling() -> None:
    x = torch.randn(2, 4, 6, 6)
    assert FlopAnalyzer(nn.GroupNorm(2, 4), (x,)).total() == x.numel() * 5
    assert FlopAnalyzer(nn.GroupNorm(2, 4, affine=False), (x,)).total() == x.numel() * 4
    assert FlopAnalyzer(nn.LayerNorm(6), (x,)).total() == x.numel() * 5
    assert FlopAnalyzer(nn.Upsample(scale_factor=2), (x,)).total() == x.numel() * 4
    assert FlopAnalyzer(nn.Upsample(scale_factor=2, mode='bilinear'), (x,)).total() \
        == x.numel() * 4 * 4
    assert FlopAnalyzer(nn.AdaptiveAvgPool2d(1), (x,)).total() == x.numel()


class Products(nn.Module):

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.bmm(a, b) + torch.einsum('nct,ntp->ncp', a, b) + torch.matmul(a, b)


def test_bmm_einsum_matmul_by_hand() -> None:
    a, b = torch.randn(2, 3, 4), torch.randn(2, 4, 5)
    flops = FlopAnalyzer(Products(), (a, b))
    one_product = 2 * 3 * 4 * 5
    assert flops.by_operator() == Counter(bmm=one_product, einsum=one_product,
                                          matmul=one_product)


def test_general_einsum_uses_the_optimal_contraction() -> None:
    # numpy's optimal path costs the 3x4 outer product 12 flops; halved into multiply-adds, as
    # MMEngine does.

    class Outer(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.einsum('i,j->ij', a, b)

    assert FlopAnalyzer(Outer(), (torch.randn(3), torch.randn(4))).total() == 6


class Shared(nn.Module):
    """One linear reached by two names, called from two parents."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.first = nn.Sequential(self.fc)
        self.unused = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.first(x) + self.fc(x)


def test_shared_module_counts_under_its_canonical_name() -> None:
    flops = FlopAnalyzer(Shared(), (torch.randn(1, 4),)).unsupported_ops_warnings(False)
    assert flops.canonical_module_name('first.0') == 'fc'
    assert flops.total('fc') == 2 * 16
    assert flops.total('first') == 0                         # owner mode: fc's owner is the root
    assert flops.ancestor_mode('caller').set_op_handle().total('first') == 16
    assert flops.uncalled_modules() == {'unused'}


def test_uncalled_and_unsupported_are_logged(capsys: pytest.CaptureFixture) -> None:
    flops = FlopAnalyzer(Shared(), (torch.randn(1, 4),)).clear_op_handles()
    flops.set_op_handle('aten::linear', None)   # ignored: not reported as unsupported
    assert flops.total() == 0
    assert flops.unsupported_ops() == Counter({'aten::add': 1})
    logged = capsys.readouterr().out
    assert 'WARNING - Unsupported operator aten::add encountered 1 time(s)' in logged
    assert 'were never called during the trace' in logged and '\nunused\n' in logged


def test_custom_handle_and_bad_values() -> None:
    analysis = JitModelAnalysis(ConvThenLinear(), (torch.randn(1, 3, 10, 10),))
    analysis.set_op_handle('aten::linear', lambda inputs, outputs: 7)
    assert analysis.by_operator() == Counter({'linear': 7})
    analysis.set_op_handle('aten::linear', lambda inputs, outputs: Counter({'x': 'seven'}))
    with pytest.raises(ValueError, match='Invalid type'):
        analysis.total()
    with pytest.raises(TypeError, match='pairs of names and handles'):
        analysis.set_op_handle('aten::linear')
    with pytest.raises(KeyError, match='not among the descendants'):
        analysis.canonical_module_name('nowhere')
    with pytest.raises(ValueError, match='Unrecognized tracer warning mode'):
        analysis.tracer_warnings('loud')
    with pytest.raises(RuntimeError, match='should be computed'):
        JitModelAnalysis(nn.Linear(2, 2), (torch.randn(1, 2),)).unsupported_ops()


def test_copy_keeps_the_settings_on_new_inputs() -> None:
    flops = FlopAnalyzer(nn.Linear(4, 3), (torch.randn(1, 4),)).tracer_warnings('none')
    copied = flops.copy(new_inputs=(torch.randn(5, 4),))
    assert copied.total() == 5 * flops.total() == 5 * 12
    assert copied._warn_trace == 'none'


def test_flop_count_and_activation_count_scale() -> None:
    gflops, unsupported = flop_count(ConvThenLinear(), (torch.randn(1, 3, 10, 10),))
    assert gflops == {'conv': 3000 / 1e9, 'linear': 10000 / 1e9} and not unsupported
    macts, _ = activation_count(ConvThenLinear(), (torch.randn(1, 3, 10, 10),))
    assert macts == {'conv': 1000 / 1e6, 'linear': 10 / 1e6}


def test_parameter_count() -> None:
    counts = parameter_count(ConvThenLinear())
    assert counts[''] == 30 + 10 + 10000 + 10
    assert counts['conv'] == 40 and counts['conv.weight'] == 30 and counts['fc.bias'] == 10


def test_data_parallel_is_traced_through() -> None:
    model = nn.DataParallel(nn.Linear(10, 10))
    assert FlopAnalyzer(model, (torch.randn(10, 10),)).total() == 1000
