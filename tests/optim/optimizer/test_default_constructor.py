"""DefaultOptimWrapperConstructor and its paramwise_cfg."""
from __future__ import annotations

import logging
import warnings

import pytest
import torch
from torch import nn

from mmlightning.optim import AmpOptimWrapper, DefaultOptimWrapperConstructor, OptimWrapper
from mmlightning.registry import OPTIMIZERS

LR, WD = 0.01, 1e-4


def _cfg(**optimizer):
    return dict(type='OptimWrapper',
                optimizer=dict(type='SGD', lr=LR, momentum=0.9, weight_decay=WD, **optimizer))


def _groups(wrapper: OptimWrapper, model: nn.Module) -> dict[str, dict]:
    """Param groups by parameter name (one parameter per group)."""
    names: dict[int, str] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(param), name)  # a shared parameter goes by its first name
    result = {}
    for group in wrapper.optimizer.param_groups:
        assert len(group['params']) == 1
        result[names[id(group['params'][0])]] = group
    return result


def _build(model, paramwise_cfg, cfg=None):
    return DefaultOptimWrapperConstructor(cfg or _cfg(), paramwise_cfg)(model)


def test_without_paramwise_cfg_one_group_with_every_parameter(paramwise_model):
    wrapper = _build(paramwise_model, None)
    assert isinstance(wrapper, OptimWrapper) and type(wrapper.optimizer) is torch.optim.SGD
    assert len(wrapper.optimizer.param_groups) == 1
    group = wrapper.optimizer.param_groups[0]
    assert len(group['params']) == len(list(paramwise_model.parameters()))  # frozen included
    assert (group['lr'], group['weight_decay'], group['momentum']) == (LR, WD, 0.9)


def test_multipliers_and_their_precedence(paramwise_model):
    wrapper = _build(paramwise_model, dict(
        bias_lr_mult=2., bias_decay_mult=0.5, norm_decay_mult=0., dwconv_decay_mult=0.1,
        flat_decay_mult=0.3, bypass_duplicate=True))
    groups = _groups(wrapper, paramwise_model)
    expected = {
        'param1': (LR, WD * 0.3),  # flat
        'conv1.weight': (LR, WD),
        'conv2.weight': (LR, WD), 'conv2.bias': (LR * 2, WD * 0.5),
        'bn.weight': (LR, 0.), 'bn.bias': (LR, 0.),  # norm beats bias; no bias_lr_mult
        'sub.param1': (LR, WD * 0.3),
        'sub.conv1.weight': (LR, WD * 0.1), 'sub.conv1.bias': (LR * 2, WD * 0.5),  # bias > dw
        'sub.gn.weight': (LR, 0.), 'sub.gn.bias': (LR, 0.),
        'sub.fc.weight': (LR, WD), 'sub.fc.bias': (LR * 2, WD * 0.5),
        'ln.weight': (LR, 0.), 'ln.bias': (LR, 0.),
        'inorm.weight': (LR, 0.), 'inorm.bias': (LR, 0.),
        'dwconv.weight': (LR, WD * 0.1), 'dwconv.bias': (LR * 2, WD * 0.5),
        'head.weight': (LR, WD), 'head.bias': (LR * 2, WD * 0.5),
    }  # frozen.* skipped (requires_grad=False), tied.weight skipped (duplicate)
    assert {name: (g['lr'], g['weight_decay']) for name, g in groups.items()} == \
        {name: pytest.approx(values) for name, values in expected.items()}


def test_custom_keys_longest_match_wins_and_copies_options(paramwise_model):
    wrapper = _build(paramwise_model, dict(bypass_duplicate=True, bias_lr_mult=10., custom_keys={
        'sub': dict(lr_mult=0.1, decay_mult=0.5),
        'sub.fc': dict(lr_mult=0.2, momentum=0.5),
        'sub.gn': dict(lr_mult=0.3),  # same length as 'sub.fc': alphabetical order
        'conv': dict(decay_mult=0.),
    }))
    groups = _groups(wrapper, paramwise_model)
    assert groups['sub.fc.bias']['lr'] == pytest.approx(LR * 0.2)  # custom: no bias_lr_mult
    assert groups['sub.fc.bias']['weight_decay'] == pytest.approx(WD)
    assert groups['sub.fc.bias']['momentum'] == 0.5
    assert groups['sub.fc.bias']['lr_mult'] == 0.2  # every key is copied into the group
    assert groups['sub.gn.weight']['lr'] == pytest.approx(LR * 0.3)
    assert groups['sub.param1']['lr'] == pytest.approx(LR * 0.1)
    assert groups['sub.param1']['weight_decay'] == pytest.approx(WD * 0.5)
    sub_conv = groups['sub.conv1.weight']  # 'conv' is longer than 'sub', so it wins
    assert (sub_conv['lr'], sub_conv['weight_decay']) == (pytest.approx(LR), 0.)
    assert groups['conv2.weight']['weight_decay'] == 0.
    assert groups['conv2.bias']['lr'] == pytest.approx(LR)
    assert groups['head.bias']['lr'] == pytest.approx(LR * 10)  # not custom: bias_lr_mult


def test_custom_keys_tie_is_alphabetical():
    model = nn.Module()
    model.ab = nn.Linear(1, 1)
    wrapper = _build(model, dict(custom_keys={'b.': dict(lr_mult=2.), 'ab': dict(lr_mult=3.)}))
    assert _groups(wrapper, model)['ab.weight']['lr'] == pytest.approx(LR * 3)


def test_custom_keys_without_weight_decay():
    model = nn.Linear(1, 1)
    cfg = dict(optimizer=dict(type='SGD', lr=LR))
    wrapper = _build(model, dict(custom_keys={'bias': dict(lr_mult=2.)}), cfg)
    groups = _groups(wrapper, model)
    assert groups['bias']['lr'] == pytest.approx(2 * LR)
    assert groups['bias']['weight_decay'] == 0  # the optimizer's default, not base_wd * mult


def test_unmatched_custom_key_warns(paramwise_model):
    with pytest.warns(UserWarning, match=r"custom_keys\['backbone'\] matches no parameter"):
        _build(paramwise_model, dict(bypass_duplicate=True, custom_keys={
            'backbone': dict(lr_mult=0.1), 'head': dict(lr_mult=0.5)}))


def test_unknown_paramwise_key_warns_with_suggestion(paramwise_model):
    with pytest.warns(UserWarning, match="norm_decay_mul is not an option.*'norm_decay_mult'"):
        DefaultOptimWrapperConstructor(_cfg(), dict(norm_decay_mul=0.))

    class Custom(DefaultOptimWrapperConstructor):
        pass

    with warnings.catch_warnings():
        warnings.simplefilter('error')
        Custom(_cfg(), dict(layer_decay_rate=0.9))  # subclasses own extra keys


def test_duplicate_parameters_without_bypass_raise_with_hint(paramwise_model):
    with pytest.raises(ValueError, match='more than one parameter group') as info:
        _build(paramwise_model, dict(norm_decay_mult=0.))
    assert 'bypass_duplicate=True' in ''.join(getattr(info.value, '__notes__', []))


def test_skipped_parameters_are_logged(paramwise_model, caplog):
    with caplog.at_level(logging.INFO, logger='mmlightning'):
        _build(paramwise_model, dict(bypass_duplicate=True, norm_decay_mult=0.))
    assert 'frozen.weight is skipped since its requires_grad=False' in caplog.text
    assert 'tied is duplicate' in caplog.text
    assert 'paramwise_options -- bn.weight:weight_decay=0.0' in caplog.text


class DeformConv2d(nn.Conv2d):
    """Named like mmcv's deformable conv: owns a ``conv_offset`` Conv2d."""

    def __init__(self) -> None:
        super().__init__(2, 2, kernel_size=1)
        self.conv_offset = nn.Conv2d(2, 2, kernel_size=1)


class DeformConv2dPack(DeformConv2d):
    pass


def test_dcn_offset_lr_mult():
    model = nn.Module()
    model.dcn = DeformConv2dPack()
    wrapper = _build(model, dict(dcn_offset_lr_mult=0.1, bias_lr_mult=2., bias_decay_mult=0.5,
                                 flat_decay_mult=0.3))
    groups = _groups(wrapper, model)
    offset_weight, offset_bias = groups['dcn.conv_offset.weight'], groups['dcn.conv_offset.bias']
    assert offset_weight['lr'] == pytest.approx(LR * 0.1)
    assert offset_bias['lr'] == pytest.approx(LR * 0.1)  # not bias_lr_mult
    assert offset_bias['weight_decay'] == pytest.approx(WD)  # no bias/flat decay for DCN
    assert groups['dcn.bias']['lr'] == pytest.approx(LR * 2)  # the DCN's own bias


def test_model_wrapper_is_unwrapped():
    inner = nn.Linear(1, 1)
    wrapped = nn.Module()
    wrapped.module = inner
    wrapper = _build(wrapped, dict(bias_lr_mult=2.))
    assert set(_groups(wrapper, inner)) == {'weight', 'bias'}


def test_optim_wrapper_type_and_arguments():
    model = nn.Linear(1, 1)
    cfg = dict(type='AmpOptimWrapper', dtype='bfloat16', accumulative_counts=4,
               optimizer=dict(type='AdamW', lr=LR))
    wrapper = DefaultOptimWrapperConstructor(cfg)(model)
    assert isinstance(wrapper, AmpOptimWrapper) and wrapper.accumulative_counts == 4
    assert type(wrapper.optimizer) is torch.optim.AdamW
    assert cfg['optimizer'] == dict(type='AdamW', lr=LR)  # config left untouched
    cls_cfg = dict(optimizer=dict(type=torch.optim.Adam, lr=LR))
    assert type(DefaultOptimWrapperConstructor(cls_cfg)(model).optimizer) is torch.optim.Adam


def test_params_go_to_the_first_argument_of_the_optimizer():
    @OPTIMIZERS.register_module(force=True)
    class ModelParamsSGD(torch.optim.SGD):
        def __init__(self, model_params, lr):
            super().__init__(model_params, lr=lr)

    model = nn.Linear(1, 1)
    for paramwise_cfg in (None, dict(bias_lr_mult=2.)):
        wrapper = DefaultOptimWrapperConstructor(
            dict(optimizer=dict(type='ModelParamsSGD', lr=LR)), paramwise_cfg)(model)
        assert isinstance(wrapper.optimizer, ModelParamsSGD)


def test_unknown_optimizer_surfaces_registry_error_with_suggestion():
    constructor = DefaultOptimWrapperConstructor(dict(optimizer=dict(type='AdamWW', lr=LR)))
    with pytest.raises(KeyError, match="AdamWW is not in the .*optimizer registry.*'AdamW'"):
        constructor(nn.Linear(1, 1))


@pytest.mark.parametrize('cfg, paramwise_cfg, error, match', [
    ([('optimizer', {})], None, TypeError, 'optim_wrapper_cfg should be a dict, but got list'),
    (dict(type='OptimWrapper'), None, KeyError,
     '`optim_wrapper_cfg` must contain "optimizer" config'),
    (dict(optimizer='SGD'), None, TypeError, 'optim_wrapper.optimizer should be a dict'),
    (_cfg(), [('norm_decay_mult', 0.)], TypeError, 'paramwise_cfg should be None or a dict'),
    (_cfg(), dict(custom_keys=['a']), TypeError, 'custom_keys must be a dict, but got list'),
    (dict(optimizer=dict(type='SGD', lr=LR)), dict(custom_keys={'a': dict(decay_mult=0.)}),
     ValueError, r"sets custom_keys.a.decay_mult .*no weight_decay"),
    (dict(optimizer=dict(type='SGD', lr=LR)), dict(norm_decay_mult=0.), ValueError,
     'sets norm_decay_mult .*add weight_decay'),
    (dict(optimizer=dict(type='SGD', lr=LR)), dict(bias_decay_mult=0.), ValueError,
     'sets bias_decay_mult'),
    (dict(optimizer=dict(type='SGD', lr=LR)), dict(dwconv_decay_mult=0.), ValueError,
     'sets dwconv_decay_mult'),
])
def test_bad_configs_raise(cfg, paramwise_cfg, error, match):
    with pytest.raises(error, match=match):
        DefaultOptimWrapperConstructor(cfg, paramwise_cfg)
