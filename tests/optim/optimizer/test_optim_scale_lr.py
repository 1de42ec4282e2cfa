"""scale_lr: MMEngine's auto_scale_lr rule."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapper, OptimWrapperDict, scale_lr


def _wrapper(lrs=(0.1,)) -> OptimWrapper:
    layers = [nn.Linear(1, 1) for _ in lrs]
    groups = [{'params': layer.parameters(), 'lr': lr} for layer, lr in zip(layers, lrs)]
    return OptimWrapper(torch.optim.SGD(groups, lr=lrs[0]))


def test_scales_every_group_by_the_batch_size_ratio():
    wrapper = _wrapper((0.1, 0.2))
    ratio = scale_lr(wrapper, dict(enable=True, base_batch_size=16), real_batch_size=64)
    assert ratio == 4.0
    assert wrapper.get_lr()['lr'] == pytest.approx([0.4, 0.8])
    assert wrapper.get_lr()['base_lr'] == [0.1]  # as MMEngine: the fake group is not scaled


@pytest.mark.parametrize('auto_scale_lr', [None, dict(base_batch_size=16),
                                           dict(enable=False, base_batch_size=16)])
def test_disabled_does_nothing(auto_scale_lr):
    wrapper = _wrapper()
    assert scale_lr(wrapper, auto_scale_lr, 64) is None
    assert wrapper.get_lr()['lr'] == [0.1]


def test_optim_wrapper_dict_scales_every_wrapper():
    wrappers = OptimWrapperDict(a=_wrapper((0.1,)), b=_wrapper((0.3,)))
    scale_lr(wrappers, dict(enable=True, base_batch_size=8), 4)
    assert wrappers.get_lr() == {'a.lr': [pytest.approx(0.05)], 'b.lr': [pytest.approx(0.15)]}


def test_errors():
    with pytest.raises(KeyError, match='no base_batch_size'):
        scale_lr(_wrapper(), dict(enable=True), 8)
    with pytest.raises(ValueError, match='batch sizes must be positive.*base_batch_size=0'):
        scale_lr(_wrapper(), dict(enable=True, base_batch_size=0), 8)
    with pytest.raises(ValueError, match='real_batch_size=0'):
        scale_lr(_wrapper(), dict(enable=True, base_batch_size=8), 0)
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match='needs the built OptimWrapper.*got SGD'):
        scale_lr(optimizer, dict(enable=True, base_batch_size=8), 8)
