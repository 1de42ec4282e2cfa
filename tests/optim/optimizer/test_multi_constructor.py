"""MultiOptimWrapperConstructor: one wrapper per named sub-module."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapperDict, build_optim_wrapper


class TwoPart(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Linear(2, 1)


def test_builds_one_wrapper_per_sub_module() -> None:
    model = TwoPart()
    wrapper = build_optim_wrapper(model, dict(
        constructor='MultiOptimWrapperConstructor',
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(optimizer=dict(type='SGD', lr=1e-2), clip_grad=dict(max_norm=1.0))))
    assert isinstance(wrapper, OptimWrapperDict)
    assert isinstance(wrapper['generator'].optimizer, torch.optim.Adam)
    generator_params = wrapper['generator'].optimizer.param_groups[0]['params']
    assert {id(p) for p in generator_params} == {id(p) for p in model.generator.parameters()}
    assert wrapper['discriminator'].clip_grad_kwargs == dict(max_norm=1.0)


def test_unknown_sub_module_and_bad_child() -> None:
    with pytest.raises(AttributeError, match="the model has no sub-module 'generatr'.*Did you "
                                             "mean 'generator'"):
        build_optim_wrapper(TwoPart(), dict(constructor='MultiOptimWrapperConstructor',
                                            generatr=dict(optimizer=dict(type='SGD', lr=1))))
    with pytest.raises(ValueError, match='optim_wrapper.generator must be an optim_wrapper'):
        build_optim_wrapper(TwoPart(), dict(constructor='MultiOptimWrapperConstructor',
                                            generator=3))
