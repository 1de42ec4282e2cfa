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


def _from_cfg(cfg: dict) -> Runner:
    return Runner.from_cfg(Config(cfg))


def _from_dicts(cfg: dict) -> Runner:
    return Runner(**cfg)  # plain dicts: no ConfigDict knows its place


BUILDERS = pytest.mark.parametrize('build', [_from_cfg, _from_dicts], ids=['from_cfg', 'dicts'])


def _run(cfg: dict, build=_from_cfg) -> None:
    runner = build(cfg)
    runner.train()


@BUILDERS
def test_bad_model_keyword_names_the_model_key(experiment: dict, build) -> None:
    experiment['model'] = dict(type='RunnerClassifier', hiden=3)
    with pytest.raises(TypeError, match=r"RunnerClassifier rejects the arguments while building "
                                        r"model \(type='RunnerClassifier'\): unexpected "
                                        r"argument\(s\) 'hiden'\..*Did you mean 'hidden'"):
        _run(experiment, build)


@BUILDERS
def test_bad_nested_keyword_names_the_nested_key(experiment: dict, build) -> None:
    experiment['model'] = dict(type='NestedClassifier',
                               backbone=dict(type='NestedBackbone', widht=3))
    with pytest.raises(TypeError, match=r'NestedBackbone rejects the arguments while building '
                                        r"model\.backbone \(type='NestedBackbone'\)") as info:
        _run(experiment, build)
    assert any("while building model (type='NestedClassifier')" in note
               for note in getattr(info.value, '__notes__', []))


@BUILDERS
def test_unknown_scheduler_names_its_list_index(experiment: dict, build) -> None:
    experiment['param_scheduler'] = [dict(type='LinearLR', start_factor=0.5, end=1),
                                     dict(type='NoSuch')]
    with pytest.raises(KeyError, match=r"NoSuch is not in the mmlightning::parameter scheduler "
                                       r"registry \(while building param_scheduler\[1\] "
                                       r"\(type='NoSuch'\)\)"):
        _run(experiment, build)


@BUILDERS
@pytest.mark.parametrize('key, value, path, error', [
    ('optim_wrapper', dict(optimizer=dict(type='SGD', lrr=0.1)), 'optim_wrapper.optimizer',
     TypeError),
    ('optim_wrapper', dict(type='NoWrapper', optimizer=dict(type='SGD', lr=0.1)),
     'optim_wrapper', KeyError),
    ('train_dataloader', dict(dataset=dict(type='NoDataset'), batch_size=4),
     'train_dataloader.dataset', KeyError),
    ('train_dataloader', dict(dataset=dict(type='RunnerPoints'), batch_size=4,
                              sampler=dict(type='DefaultSampler', shufle=True)),
     'train_dataloader.sampler', TypeError),
    ('val_evaluator', [dict(type='RunnerAccuracy'), dict(type='NoMetric')], r'val_evaluator\[1\]',
     KeyError),
    ('val_evaluator', dict(type='NoMetric'), 'val_evaluator', KeyError),
    ('custom_hooks', [dict(type='EMAHook'), dict(type='NoHook')], r'custom_hooks\[1\]', KeyError),
    ('default_hooks', dict(logger=dict(type='LoggerHook', intervall=3)), 'default_hooks.logger',
     TypeError),
    ('visualizer', dict(type='Visualizer', vis_backends=[dict(type='NoBackend')]),
     r'visualizer\.vis_backends\[0\]', KeyError),
    ('log_processor', dict(window_sizee=3), 'log_processor', TypeError),
])
def test_every_build_error_names_its_config_key(experiment: dict, build, key, value, path,
                                                error) -> None:
    experiment[key] = value
    with pytest.raises(error, match=rf'while building {path} \(type='):
        _run(experiment, build)


def test_bad_scheduler_keyword_names_its_list_index(experiment: dict) -> None:
    experiment['param_scheduler'] = dict(type='LinearLR', start_factr=0.5)
    with pytest.raises(TypeError, match=r'while building param_scheduler \(type=.LinearLR.\)'):
        _run(experiment)

