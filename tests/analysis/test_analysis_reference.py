"""The same counts and printouts as MMEngine's analysis (skipped without mmengine)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.analysis import ActivationAnalyzer, FlopAnalyzer, get_model_complexity_info

mmengine_analysis = pytest.importorskip('mmengine.analysis')


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Sequential(nn.Conv2d(8, 8, 3, groups=2), nn.GroupNorm(2, 8)),
        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 5), nn.LayerNorm(5),
        nn.Linear(5, 5))


@pytest.mark.parametrize('ours, theirs', [
    (FlopAnalyzer, 'FlopAnalyzer'), (ActivationAnalyzer, 'ActivationAnalyzer')])
def test_counts_match(ours: type, theirs: str) -> None:
    inputs = (torch.randn(2, 3, 12, 12),)
    mine = ours(_model(), inputs)
    reference = getattr(mmengine_analysis, theirs)(_model(), inputs)
    assert mine.by_module_and_operator() == reference.by_module_and_operator()
    assert mine.unsupported_ops() == reference.unsupported_ops()


def test_complexity_info_matches() -> None:
    mine = get_model_complexity_info(_model(), input_shape=(3, 12, 12))
    reference = mmengine_analysis.get_model_complexity_info(_model(), input_shape=(3, 12, 12))
    for key in ('flops', 'flops_str', 'activations', 'activations_str', 'params', 'params_str',
                'out_table', 'out_arch'):
        assert mine[key] == reference[key], key
