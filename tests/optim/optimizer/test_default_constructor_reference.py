"""Reference: paramwise_cfg param groups equal MMEngine's DefaultOptimWrapperConstructor's."""
from __future__ import annotations

import warnings

import pytest

from mmlightning.optim import DefaultOptimWrapperConstructor

mmengine_optim = pytest.importorskip('mmengine.optim')

OPTIMIZERS = [
    dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    dict(type='SGD', lr=0.1),  # no weight decay: only lr multipliers apply
]
RULES = [
    dict(),
    dict(bias_lr_mult=2.),
    dict(bias_decay_mult=0.5),
    dict(norm_decay_mult=0.),
    dict(dwconv_decay_mult=0.1),
    dict(flat_decay_mult=0.3),
    dict(bias_lr_mult=2., bias_decay_mult=0.5, norm_decay_mult=0., dwconv_decay_mult=0.1,
         flat_decay_mult=0.3),
    dict(custom_keys={'sub': dict(lr_mult=0.1, decay_mult=0.5),
                      'sub.fc': dict(lr_mult=0.2, momentum=0.5),
                      'sub.gn': dict(lr_mult=0.3), 'conv': dict(decay_mult=0.),
                      '.param1': dict(lr_mult=4.)}),
    dict(custom_keys={'head': dict(lr_mult=10.), 'bias': dict(decay_mult=0.)},
         bias_lr_mult=2., norm_decay_mult=0., flat_decay_mult=0.),
]


def _needs_weight_decay(paramwise_cfg: dict) -> bool:
    custom = paramwise_cfg.get('custom_keys', {})
    return any(k in paramwise_cfg for k in ('bias_decay_mult', 'norm_decay_mult',
                                            'dwconv_decay_mult')) \
        or any('decay_mult' in v for v in custom.values())


def _groups(model, constructor_cls, optimizer: dict, paramwise_cfg: dict | None):
    names: dict[int, str] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(param), name)
    cfg = dict(type='OptimWrapper', optimizer=dict(optimizer))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        wrapper = constructor_cls(cfg, paramwise_cfg)(model)
    return [({key: value for key, value in group.items() if key != 'params'},
             [names[id(p)] for p in group['params']])
            for group in wrapper.optimizer.param_groups]


@pytest.mark.parametrize('optimizer', OPTIMIZERS, ids=lambda o: f"{o['type']}-{len(o)}")
@pytest.mark.parametrize('rules', RULES, ids=range(len(RULES)))
def test_param_groups_equal_mmengine(optimizer, rules, paramwise_model_factory):
    paramwise_cfg = dict(rules, bypass_duplicate=True)
    if 'weight_decay' not in optimizer and _needs_weight_decay(paramwise_cfg):
        for constructor_cls in (DefaultOptimWrapperConstructor,
                                mmengine_optim.DefaultOptimWrapperConstructor):
            with pytest.raises(ValueError, match='base_wd should not be None'):
                constructor_cls(dict(optimizer=optimizer), paramwise_cfg)
        return
    ours = _groups(paramwise_model_factory(), DefaultOptimWrapperConstructor, optimizer,
                   paramwise_cfg)
    theirs = _groups(paramwise_model_factory(), mmengine_optim.DefaultOptimWrapperConstructor,
                     optimizer, paramwise_cfg)
    assert ours == theirs


def test_without_paramwise_cfg_equal_mmengine(paramwise_model):
    optimizer = OPTIMIZERS[0]
    assert _groups(paramwise_model, DefaultOptimWrapperConstructor, optimizer, None) == \
        _groups(paramwise_model, mmengine_optim.DefaultOptimWrapperConstructor, optimizer, None)


def test_duplicates_without_bypass_fail_in_both(paramwise_model):
    for constructor_cls in (DefaultOptimWrapperConstructor,
                            mmengine_optim.DefaultOptimWrapperConstructor):
        with pytest.raises(ValueError, match='more than one parameter group'):
            _groups(paramwise_model, constructor_cls, OPTIMIZERS[0], dict(norm_decay_mult=0.))
