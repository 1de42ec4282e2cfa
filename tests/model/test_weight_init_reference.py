"""init_cfg results compared with MMEngine 0.10.7: same seed, same weights."""
import pytest
import torch
from torch import nn

from mmlightning.model import BaseModule

mmengine_model = pytest.importorskip('mmengine.model')


def _net_class(base):
    """The same network built on our BaseModule or MMEngine's."""

    class Head(base):
        def __init__(self, init_cfg=None):
            super().__init__(init_cfg)
            self.cls = nn.Linear(6, 2)
            self.reg = nn.Conv1d(2, 2, 1)

    class Net(base):
        def __init__(self, init_cfg=None, head_cfg=None):
            super().__init__(init_cfg)
            self.conv = nn.Conv2d(3, 4, 3)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4, 6)
            self.head = Head(head_cfg)

    return Net


CASES = {
    'constant': dict(type='Constant', val=0.3, bias=0.1, layer=['Conv2d', 'Linear']),
    'xavier_normal': dict(type='Xavier', gain=2, layer='Linear'),
    'xavier_uniform': dict(type='Xavier', distribution='uniform', layer=['Conv2d', 'Conv1d']),
    'normal': dict(type='Normal', mean=0.1, std=0.02, bias_prob=0.01, layer='Linear'),
    'trunc_normal': dict(type='TruncNormal', std=0.5, a=-0.3, b=0.4, layer=['Linear', 'Conv2d']),
    'uniform': dict(type='Uniform', a=-2, b=1, bias=0.5, layer='_ConvNd'),
    'kaiming': dict(type='Kaiming', layer='Conv2d'),
    'kaiming_uniform_in': dict(type='Kaiming', a=0.2, mode='fan_in', nonlinearity='leaky_relu',
                               distribution='uniform', layer=['Conv2d', 'Linear']),
    'caffe2_xavier': dict(type='Caffe2Xavier', layer='Conv2d'),
    'bn_constant': dict(type='Constant', val=1, bias=0, layer=['_BatchNorm', 'GroupNorm']),
    'override_whole': dict(type='Normal', std=0.01, layer='Conv2d',
                           override=dict(type='Constant', name='fc', val=2, bias=3)),
    'override_name_only': dict(type='Uniform', a=0, b=1, layer='Conv2d',
                               override=dict(name='head')),
    'list': [dict(type='Kaiming', layer='Conv2d'), dict(type='Normal', std=0.1, layer='Linear'),
             dict(type='Constant', val=1, layer='_BatchNorm')],
}


def _state(base, init_cfg, head_cfg=None, seed=0):
    torch.manual_seed(seed)
    net = _net_class(base)(init_cfg, head_cfg)
    net.init_weights()
    return net.state_dict()


def _assert_same(ours, theirs):
    assert list(ours) == list(theirs)
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=0, msg=key)


@pytest.mark.parametrize('name', sorted(CASES))
def test_init_cfg_matches_mmengine(name):
    _assert_same(_state(BaseModule, CASES[name]),
                 _state(mmengine_model.BaseModule, CASES[name]))


def test_child_init_cfg_order_matches_mmengine():
    outer = dict(type='Normal', std=0.5, layer=['Linear', 'Conv1d'])
    inner = [dict(type='Xavier', layer='Conv1d'), dict(type='Constant', val=4, layer='Linear')]
    _assert_same(_state(BaseModule, outer, inner), _state(mmengine_model.BaseModule, outer, inner))


def test_pretrained_matches_mmengine(tmp_path):
    torch.manual_seed(5)
    source = _net_class(BaseModule)()
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in source.state_dict().items()}}, path)
    cfg = [dict(type='Pretrained', checkpoint=str(path)), dict(type='Constant', val=9,
                                                               layer='Linear')]
    _assert_same(_state(BaseModule, cfg), _state(mmengine_model.BaseModule, cfg))
    prefixed = tmp_path / 'prefixed.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in source.state_dict().items()}},
               prefixed)
    cfg = dict(type='Pretrained', checkpoint=str(prefixed), prefix='backbone.')
    _assert_same(_state(BaseModule, cfg), _state(mmengine_model.BaseModule, cfg))


def test_functional_initialisers_match_mmengine():
    import mmlightning.model as ours

    calls = [
        ('constant_init', (0.5,), dict(bias=1)),
        ('xavier_init', (), dict(gain=3, distribution='uniform')),
        ('normal_init', (), dict(mean=1, std=2)),
        ('trunc_normal_init', (), dict(std=2, a=-1, b=3)),
        ('uniform_init', (), dict(a=-1, b=0)),
        ('kaiming_init', (), dict(mode='fan_in')),
        ('caffe2_xavier_init', (), dict(bias=0.2)),
    ]
    for name, args, kwargs in calls:
        layers = []
        for module in (ours, mmengine_model):
            torch.manual_seed(1)
            layer = nn.Conv2d(3, 5, 3)
            getattr(module, name)(layer, *args, **kwargs)
            layers.append(layer.state_dict())
        _assert_same(*layers)
    assert ours.bias_init_with_prob(0.03) == mmengine_model.bias_init_with_prob(0.03)
