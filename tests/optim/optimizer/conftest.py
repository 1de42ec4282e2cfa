"""A small model with every kind of layer the paramwise options treat specially."""
from __future__ import annotations

import pytest
import torch
from torch import nn


class _SubModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, kernel_size=1, groups=2)  # depthwise
        self.gn = nn.GroupNorm(2, 2)
        self.fc = nn.Linear(2, 2)
        self.param1 = nn.Parameter(torch.ones(1))


class ParamwiseModel(nn.Module):
    """Conv (with and without bias), depthwise conv, BN, GN, LN, IN, a free parameter,
    a frozen layer and a parameter shared by two modules."""

    def __init__(self) -> None:
        super().__init__()
        self.param1 = nn.Parameter(torch.ones(1))
        self.conv1 = nn.Conv2d(3, 4, kernel_size=1, bias=False)
        self.conv2 = nn.Conv2d(4, 2, kernel_size=1)
        self.bn = nn.BatchNorm2d(2)
        self.sub = _SubModel()
        self.ln = nn.LayerNorm(2)
        self.inorm = nn.InstanceNorm2d(2, affine=True)
        self.dwconv = nn.Conv2d(2, 2, kernel_size=3, groups=2, padding=1)
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)
        self.head = nn.Linear(2, 2)
        self.tied = nn.Linear(2, 2, bias=False)
        self.tied.weight = self.head.weight  # shared (duplicate) parameter


def make_paramwise_model() -> ParamwiseModel:
    torch.manual_seed(0)
    return ParamwiseModel()


@pytest.fixture
def paramwise_model() -> ParamwiseModel:
    return make_paramwise_model()


@pytest.fixture
def paramwise_model_factory():
    """Builds fresh, identically initialised ``ParamwiseModel`` instances."""
    return make_paramwise_model
