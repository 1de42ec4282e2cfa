"""build_optim_wrapper, custom constructors and the registrations."""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from mmlightning.optim import (
    AmpOptimWrapper,
    DefaultOptimWrapperConstructor,
    OptimWrapper,
    OptimWrapperDict,
    build_optim_wrapper,
)
from mmlightning.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS


def test_registrations():
    assert OPTIM_WRAPPERS.get('OptimWrapper') is OptimWrapper
    assert OPTIM_WRAPPERS.get('AmpOptimWrapper') is AmpOptimWrapper
    assert OPTIM_WRAPPER_CONSTRUCTORS.get('DefaultOptimWrapperConstructor') \
        is DefaultOptimWrapperConstructor
    assert OPTIMIZERS.get('SGD') is torch.optim.SGD
    assert OPTIMIZERS.get('TorchAdafactor') is torch.optim.Adafactor


def test_build_with_paramwise_cfg_leaves_the_config_untouched():
    model = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))
    cfg = dict(type='OptimWrapper', accumulative_counts=2, clip_grad=dict(max_norm=1.0),
               optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
               paramwise_cfg=dict(norm_decay_mult=0.))
    before = copy.deepcopy(cfg)
    wrapper = build_optim_wrapper(model, cfg)
    assert cfg == before
    assert wrapper.accumulative_counts == 2 and wrapper.clip_grad_kwargs == dict(max_norm=1.0)
    assert [g['weight_decay'] for g in wrapper.optimizer.param_groups] == [0.05, 0.05, 0.0, 0.0]


def test_type_defaults_to_optim_wrapper():
    wrapper = build_optim_wrapper(nn.Linear(1, 1), dict(optimizer=dict(type='SGD', lr=0.1)))
    assert type(wrapper) is OptimWrapper


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(force=True)
class GANOptimWrapperConstructor:
    """A custom constructor: one wrapper per sub-module, as OpenMMLab's GAN constructors do."""

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        self.optim_wrapper_cfg = optim_wrapper_cfg
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model):
        wrappers = {name: DefaultOptimWrapperConstructor(cfg, self.paramwise_cfg)(
            getattr(model, name)) for name, cfg in self.optim_wrapper_cfg.items()}
        return OptimWrapperDict(**wrappers)


def test_custom_constructor_builds_an_optim_wrapper_dict():
    model = nn.Module()
    model.generator, model.discriminator = nn.Linear(2, 2), nn.Linear(2, 1)
    cfg = dict(constructor='GANOptimWrapperConstructor',
               generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
               discriminator=dict(optimizer=dict(type='SGD', lr=1e-2)),
               paramwise_cfg=dict(bias_lr_mult=2.))
    wrappers = build_optim_wrapper(model, cfg)
    assert isinstance(wrappers, OptimWrapperDict)
    assert wrappers.get_lr() == {'generator.base_lr': [1e-4], 'generator.lr': [1e-4, 2e-4],
                                 'discriminator.base_lr': [1e-2],
                                 'discriminator.lr': [1e-2, 2e-2]}


def test_unknown_constructor_and_optimizer_raise_with_suggestions():
    model = nn.Linear(1, 1)
    with pytest.raises(KeyError, match="DefaultOptimWraperConstructor is not in.*"
                                       "Did you mean.*'DefaultOptimWrapperConstructor'"):
        build_optim_wrapper(model, dict(constructor='DefaultOptimWraperConstructor',
                                        optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(KeyError, match="Adm is not in the mmlightning::optimizer registry"):
        build_optim_wrapper(model, dict(optimizer=dict(type='Adm', lr=0.1)))
    with pytest.raises(KeyError, match="OptimWraper is not in.*'OptimWrapper'"):
        build_optim_wrapper(model, dict(type='OptimWraper', optimizer=dict(type='SGD', lr=0.1)))


def test_bad_optimizer_argument_names_the_valid_ones():
    with pytest.raises(TypeError, match="unexpected argument.*'momentun'.*Did you mean 'momentum'"):
        build_optim_wrapper(nn.Linear(1, 1),
                            dict(optimizer=dict(type='SGD', lr=0.1, momentun=0.9)))


def test_cfg_must_be_a_dict():
    with pytest.raises(TypeError, match='optim_wrapper config must be a dict, got list'):
        build_optim_wrapper(nn.Linear(1, 1), [dict(type='SGD')])
