import math

import pytest
import torch
from torch import nn

from mmlightning.model import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    initialize,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)
from mmlightning.model.weight_init import trunc_normal_
from mmlightning.registry import WEIGHT_INITIALIZERS


class FooNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.feat = nn.Conv2d(3, 16, 3)
        self.reg = nn.Conv2d(16, 10, 3)
        self.cls = nn.Linear(4, 5)


def test_registered_under_mmengine_names():
    expected = {'Constant': ConstantInit, 'Xavier': XavierInit, 'Normal': NormalInit,
                'TruncNormal': TruncNormalInit, 'Uniform': UniformInit, 'Kaiming': KaimingInit,
                'Caffe2Xavier': Caffe2XavierInit}
    for name, cls in expected.items():
        assert WEIGHT_INITIALIZERS.get(name) is cls
    assert WEIGHT_INITIALIZERS.get('Pretrained').__name__ == 'PretrainedInit'


def test_constant_init_and_bias():
    conv = nn.Conv2d(2, 3, 1)
    constant_init(conv, 0.5, bias=2)
    assert torch.all(conv.weight == 0.5) and torch.all(conv.bias == 2)
    no_bias = nn.Conv2d(2, 3, 1, bias=False)
    constant_init(no_bias, 1.0, bias=3)  # no bias: only the weight is set
    assert torch.all(no_bias.weight == 1.0) and no_bias.bias is None


def test_functional_initialisers_match_torch_with_same_seed():
    layer = nn.Linear(16, 32)
    ref = torch.empty(32, 16)
    cases = [
        (lambda: xavier_init(layer, gain=2, bias=1, distribution='uniform'),
         lambda: nn.init.xavier_uniform_(ref, gain=2)),
        (lambda: xavier_init(layer, gain=2, bias=1),
         lambda: nn.init.xavier_normal_(ref, gain=2)),
        (lambda: normal_init(layer, 1, 0.1, bias=1), lambda: nn.init.normal_(ref, 1, 0.1)),
        (lambda: uniform_init(layer, -1, 3, bias=1), lambda: nn.init.uniform_(ref, -1, 3)),
        (lambda: kaiming_init(layer, bias=1),
         lambda: nn.init.kaiming_normal_(ref, mode='fan_out', nonlinearity='relu')),
        (lambda: kaiming_init(layer, a=0.1, mode='fan_in', nonlinearity='leaky_relu', bias=1,
                              distribution='uniform'),
         lambda: nn.init.kaiming_uniform_(ref, a=0.1, mode='fan_in',
                                          nonlinearity='leaky_relu')),
        (lambda: caffe2_xavier_init(layer, bias=1),
         lambda: nn.init.kaiming_uniform_(ref, a=1, mode='fan_in', nonlinearity='leaky_relu')),
    ]
    for ours, theirs in cases:
        torch.manual_seed(3)
        ours()
        torch.manual_seed(3)
        theirs()
        torch.testing.assert_close(layer.weight.data, ref)
        assert torch.all(layer.bias == 1)


def test_trunc_normal_within_bounds_and_distribution():
    torch.manual_seed(0)
    values = trunc_normal_(torch.empty(10000), mean=0.5, std=2.0, a=-1.0, b=1.5)
    assert values.min() >= -1.0 and values.max() <= 1.5
    def cdf(x):
        return (1 + math.erf((x - 0.5) / (2.0 * math.sqrt(2)))) / 2

    # Fraction below the mean matches the truncated normal's CDF.
    expected = (cdf(0.5) - cdf(-1.0)) / (cdf(1.5) - cdf(-1.0))
    assert (values < 0.5).float().mean().item() == pytest.approx(expected, abs=0.02)
    layer = nn.Linear(3, 3)
    trunc_normal_init(layer, std=0.02, a=-0.01, b=0.01, bias=0.5)
    assert layer.weight.abs().max() <= 0.01 and torch.all(layer.bias == 0.5)
    with pytest.warns(UserWarning, match='more than 2 std'):
        trunc_normal_(torch.empty(3), mean=10.0, std=1.0, a=-1.0, b=1.0)


def test_bad_distribution_raises():
    with pytest.raises(ValueError, match="distribution must be 'uniform' or 'normal'.*'gauss'"):
        xavier_init(nn.Linear(2, 2), distribution='gauss')
    with pytest.raises(ValueError, match="got 'gauss'"):
        kaiming_init(nn.Linear(2, 2), distribution='gauss')


def test_bias_init_with_prob():
    bias = bias_init_with_prob(0.01)
    assert bias == pytest.approx(-math.log(99))
    assert torch.sigmoid(torch.tensor(bias)).item() == pytest.approx(0.01)


def test_layer_matches_class_name_and_direct_bases():
    model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Linear(2, 2), nn.BatchNorm2d(3))
    ConstantInit(val=4, bias=5, layer='Conv2d')(model)
    assert torch.all(model[0].weight == 4) and torch.all(model[0].bias == 5)
    assert not torch.all(model[1].weight == 4)
    # '_BatchNorm' is the direct base of BatchNorm2d; '_ConvNd' of Conv2d.
    ConstantInit(val=7, layer=['_BatchNorm', 'Linear'])(model)
    assert torch.all(model[2].weight == 7) and torch.all(model[1].weight == 7)
    ConstantInit(val=8, layer='_ConvNd')(model)
    assert torch.all(model[0].weight == 8)


def test_layer_absent_from_model_is_ignored():
    model = nn.Sequential(nn.Linear(2, 2))
    before = model[0].weight.clone()
    ConstantInit(val=1, layer='GroupNorm')(model)  # a real class, just not in this model
    torch.testing.assert_close(model[0].weight, before)


def test_layer_typo_raises_with_suggestion():
    model = nn.Sequential(nn.Conv2d(3, 3, 1))
    with pytest.raises(ValueError, match=r"layer='Conv2D' names no nn.Module class.*'Conv2d'"):
        initialize(model, dict(type='Constant', val=1, layer='Conv2D'))


def test_no_layer_initialises_nothing():
    model = nn.Linear(2, 2)
    before = model.weight.clone()
    NormalInit(std=5)(model)
    torch.testing.assert_close(model.weight, before)


def test_bias_prob_sets_bias():
    layer = nn.Linear(2, 2)
    init = NormalInit(std=0.01, bias_prob=0.01, layer='Linear')
    init(layer)
    assert torch.allclose(layer.bias, torch.full((2,), bias_init_with_prob(0.01)))


@pytest.mark.parametrize('kwargs, match', [
    (dict(bias='1'), "bias must be a number, got '1'"),
    (dict(bias_prob=1), 'bias_prob must be a float, got 1'),
    (dict(layer=('Conv2d',)), r"layer must be a str or a list of str, got \('Conv2d',\)"),
])
def test_base_init_argument_types(kwargs, match):
    with pytest.raises(TypeError, match=match):
        BaseInit(**kwargs)


def test_base_init_requires_init_module():
    with pytest.raises(NotImplementedError, match='BaseInit must implement init_module'):
        BaseInit(layer='Linear')(nn.Linear(1, 1))


def test_initialize_list_and_override():
    model = FooNet()
    initialize(model, dict(type='Constant', val=1, bias=2, layer='Conv2d',
                           override=dict(type='Constant', name='reg', val=3, bias=4)))
    assert torch.all(model.feat.weight == 1) and torch.all(model.feat.bias == 2)
    assert torch.all(model.reg.weight == 3) and torch.all(model.reg.bias == 4)
    assert not torch.all(model.cls.weight == 1)

    initialize(model, [dict(type='Constant', layer='Conv2d', val=5),
                       dict(type='Constant', layer='Linear', val=6)])
    assert torch.all(model.reg.weight == 5) and torch.all(model.cls.weight == 6)


def test_override_with_only_name_reuses_outer_cfg_on_whole_module():
    model = FooNet()
    # layer='Conv2d' does not restrict the override: 'cls' (a Linear) is initialised whole.
    initialize(model, dict(type='Constant', val=9, bias=1, layer='Conv2d',
                           override=dict(name='cls')))
    assert torch.all(model.cls.weight == 9) and torch.all(model.cls.bias == 1)
    assert torch.all(model.feat.weight == 9)


def test_override_list_and_cfg_not_mutated():
    cfg = dict(type='Constant', val=1, layer='Conv2d',
               override=[dict(type='Constant', name='reg', val=2),
                         dict(type='Uniform', name='cls', a=5, b=6)])
    snapshot = repr(cfg)
    model = FooNet()
    initialize(model, cfg)
    assert repr(cfg) == snapshot
    assert torch.all(model.reg.weight == 2)
    assert model.cls.weight.min() >= 5 and model.cls.weight.max() <= 6


@pytest.mark.parametrize('override, error, match', [
    (dict(type='Constant', val=1), ValueError, 'override must contain the key "name"'),
    (dict(name='reg', val=2), ValueError, 'sets arguments but no "type"'),
    (dict(type='Constant', name='head', val=1), RuntimeError,
     r"override name='head': FooNet has no attribute 'head' \(its sub-modules: \['feat'"),
    ('reg', TypeError, "override must be a dict or a list of dict, got 'reg'"),
])
def test_bad_override(override, error, match):
    with pytest.raises(error, match=match):
        initialize(FooNet(), dict(type='Constant', val=1, override=override))


def test_unknown_init_type_raises_registry_error():
    with pytest.raises(KeyError, match=r"Kaimnig is not in the .*weight initializer.*"
                                       r"Did you mean 'Kaiming'"):
        initialize(nn.Linear(2, 2), dict(type='Kaimnig', layer='Linear'))


def test_init_cfg_wrong_type_raises():
    with pytest.raises(TypeError, match="init_cfg must be a dict or a list of dict, got 'Normal'"):
        initialize(nn.Linear(2, 2), 'Normal')


def test_initialiser_class_as_type():
    layer = nn.Linear(2, 2)
    initialize(layer, dict(type=ConstantInit, val=3, layer='Linear'))
    assert torch.all(layer.weight == 3)


def test_caffe2_xavier_is_kaiming_uniform_fan_in():
    init = Caffe2XavierInit(layer='Linear', bias=1)
    assert (init.a, init.mode, init.nonlinearity, init.distribution) == (
        1, 'fan_in', 'leaky_relu', 'uniform')
    layer = nn.Linear(8, 4)
    torch.manual_seed(1)
    init(layer)
    ref = torch.empty(4, 8)
    torch.manual_seed(1)
    nn.init.kaiming_uniform_(ref, a=1, mode='fan_in', nonlinearity='leaky_relu')
    torch.testing.assert_close(layer.weight.data, ref)


def test_init_info_strings():
    assert ConstantInit(val=1, bias=2)._get_init_info() == 'ConstantInit: val=1, bias=2'
    assert UniformInit(a=1, b=2)._get_init_info() == 'UniformInit: a=1, b=2, bias=0'
    assert TruncNormalInit()._get_init_info() == \
        'TruncNormalInit: a=-2, b=2, mean=0, std=1, bias=0'


def test_update_init_info_records_changed_params():
    layer = nn.Linear(2, 2)
    layer._params_init_info = {
        p: dict(init_info='untouched', tmp_mean_value=p.data.mean()) for p in layer.parameters()}
    nn.init.constant_(layer.weight, 3.0)
    update_init_info(layer, 'set to 3')
    assert layer._params_init_info[layer.weight]['init_info'] == 'set to 3'
    assert layer._params_init_info[layer.bias]['init_info'] == 'untouched'


def test_update_init_info_errors():
    with pytest.raises(RuntimeError, match='Linear has no _params_init_info'):
        update_init_info(nn.Linear(1, 1), 'x')
    layer = nn.Linear(1, 1)
    layer._params_init_info = {layer.weight: dict(init_info='', tmp_mean_value=0)}
    with pytest.raises(RuntimeError, match="found a new parameter 'bias'"):
        update_init_info(layer, 'x')
