"""Errors raised while the Runner builds components name the config key they came from."""
from __future__ import annotations

from typing import Any

import pytest
from torch import nn

from mmlightning.config import Config
from mmlightning.model import BaseModel
from mmlightning.registry import MODELS
from mmlightning.runner import Runner


class NestedBackbone(nn.Module):
    def __init__(self, width: int = 2) -> None:
        super().__init__()
        self.width = width


class NestedClassifier(BaseModel):
    def __init__(self, backbone: dict, data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.backbone = MODELS.build(backbone)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        return inputs


@pytest.fixture(autouse=True)
def nested_models():
    for cls in (NestedBackbone, NestedClassifier):
        MODELS.register_module(module=cls, force=True)
    yield
    for cls in (NestedBackbone, NestedClassifier):
        MODELS._module_dict.pop(cls.__name__, None)


def _run(cfg: dict) -> None:
    runner = Runner.from_cfg(Config(cfg))
    runner.train()


def test_bad_model_keyword_names_the_model_key(experiment: dict) -> None:
    experiment['model'] = dict(type='RunnerClassifier', hiden=3)
    with pytest.raises(TypeError, match=r"RunnerClassifier rejects the arguments while building "
                                        r"model \(type='RunnerClassifier'\): unexpected "
                                        r"argument\(s\) 'hiden'\..*Did you mean 'hidden'"):
        _run(experiment)


def test_bad_nested_keyword_names_the_nested_key(experiment: dict) -> None:
    experiment['model'] = dict(type='NestedClassifier',
                               backbone=dict(type='NestedBackbone', widht=3))
    with pytest.raises(TypeError, match=r'NestedBackbone rejects the arguments while building '
                                        r"model\.backbone \(type='NestedBackbone'\)") as info:
        _run(experiment)
    assert any("while building model (type='NestedClassifier')" in note
               for note in getattr(info.value, '__notes__', []))


def test_unknown_scheduler_names_its_list_index(experiment: dict) -> None:
    experiment['param_scheduler'] = [dict(type='LinearLR', start_factor=0.5, end=1),
                                     dict(type='NoSuch')]
    with pytest.raises(KeyError, match=r"NoSuch is not in the mmlightning::parameter scheduler "
                                       r"registry \(while building param_scheduler\[1\] "
                                       r"\(type='NoSuch'\)\)"):
        _run(experiment)


def test_bad_scheduler_keyword_names_its_list_index(experiment: dict) -> None:
    experiment['param_scheduler'] = dict(type='LinearLR', start_factr=0.5)
    with pytest.raises(TypeError, match=r'while building param_scheduler \(type=.LinearLR.\)'):
        _run(experiment)

