"""``MMLightningModule`` build errors name the config key, from a Config and from plain dicts."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.config import Config
from mmlightning.lightning.module import MMLightningModule
from mmlightning.lightning.param_schedulers import ParamSchedulers
from mmlightning.model import BaseModel
from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.registry import MODELS


class _Backbone(nn.Module):
    def __init__(self, width: int = 2) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)


class _Net(BaseModel):
    def __init__(self, backbone: dict, data_preprocessor: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.backbone = MODELS.build(backbone)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.backbone(inputs)


@pytest.fixture(autouse=True)
def registered():
    MODELS.register_module(name=['_Backbone'], module=_Backbone, force=True)
    MODELS.register_module(name=['_Net'], module=_Net, force=True)
    yield
    MODELS._module_dict.pop('_Backbone'), MODELS._module_dict.pop('_Net')


def _nested(**backbone) -> dict:
    return dict(model=dict(type='_Net', backbone=dict(type='_Backbone', **backbone)))


@pytest.mark.parametrize('make', [Config, dict], ids=['Config', 'dict'])
def test_from_cfg_names_the_model_and_nested_keys(make) -> None:
    with pytest.raises(TypeError, match=r"_Backbone rejects the arguments while building "
                                        r"model\.backbone \(type='_Backbone'\).*"
                                        r"Did you mean 'width'"):
        MMLightningModule.from_cfg(make(_nested(widht=3)))
    with pytest.raises(TypeError, match=r"while building model \(type='_Net'\)"):
        MMLightningModule.from_cfg(make(dict(model=dict(type='_Net', backbone={}, depth=2))))


def test_plain_model_dict_is_named_model() -> None:
    with pytest.raises(KeyError, match=r"while building model\.backbone \(type='NoSuch'\)"):
        MMLightningModule(dict(type='_Net', backbone=dict(type='NoSuch')))


@pytest.mark.parametrize('evaluator, path', [
    ([dict(type='DumpResults', out_file_path='x.pkl'), dict(type='NoMetric')],
     r'val_evaluator\[1\]'),
    (dict(metrics=[dict(type='NoMetric')]), r'val_evaluator\.metrics\[0\]'),
    (dict(type='NoMetric'), 'val_evaluator'),
])
def test_evaluator_errors_name_their_key(evaluator, path) -> None:
    cfg = dict(_nested(), val_evaluator=evaluator)
    for make in (Config, dict):
        with pytest.raises(KeyError, match=rf"while building {path} \(type='NoMetric'\)"):
            MMLightningModule.from_cfg(make(cfg))


def test_scheduler_errors_name_the_optimizer_and_index() -> None:
    def wrapper() -> OptimWrapper:
        return OptimWrapper(torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))

    wrappers = OptimWrapperDict(gen=wrapper(), disc=wrapper())
    per_name = dict(gen=dict(type='ConstantLR'), disc=[dict(type='ConstantLR'), dict(type='NoLR')])
    with pytest.raises(KeyError, match=r"while building param_scheduler\.disc\[1\] "
                                       r"\(type='NoLR'\)"):
        ParamSchedulers(per_name).build(wrappers, epoch_length=1, max_epochs=1, max_iters=None)
    with pytest.raises(TypeError, match=r"while building param_scheduler \(type='ConstantLR'\)"):
        ParamSchedulers(dict(type='ConstantLR', factr=0.5)).build(wrapper(), 1, 1, None)
