"""build_from_cfg and the build functions: MMEngine's rules, errors that say where."""
from __future__ import annotations

import pytest

from mmlightning.config import Config
from mmlightning.registry import (
    DefaultScope,
    Registry,
    build_from_cfg,
    build_model_from_cfg,
    build_scheduler_from_cfg,
)
from mmlightning.utils import ManagerMixin


@pytest.fixture
def models() -> Registry:
    registry = Registry('model', scope='bt')

    @registry.register_module()
    class ResNet:
        def __init__(self, depth: int, stages: int = 4, norm_cfg: dict | None = None) -> None:
            self.depth, self.stages, self.norm_cfg = depth, stages, norm_cfg

    @registry.register_module()
    def resnet50(**kwargs: int) -> ResNet:
        return ResNet(depth=50, **kwargs)

    @registry.register_module()
    class Exploding:
        def __init__(self) -> None:
            raise RuntimeError('boom')

    return registry


def test_build_class_function_and_callable_type(models: Registry) -> None:
    net = build_from_cfg(dict(type='ResNet', depth=50), models)
    assert (net.depth, net.stages) == (50, 4)
    assert models.build(dict(type='resnet50', stages=3)).stages == 3
    cls = models.get('ResNet')
    assert build_from_cfg(dict(type=cls, depth=18), models).depth == 18
    assert build_from_cfg(Config(dict(type='ResNet', depth=34)), models).depth == 34


def test_default_args_fill_missing_keys_only(models: Registry) -> None:
    net = build_from_cfg(dict(type='ResNet', depth=50), models, default_args=dict(depth=1,
                                                                                 stages=2))
    assert (net.depth, net.stages) == (50, 2)
    assert build_from_cfg(dict(depth=3), models, default_args=dict(type='ResNet')).depth == 3


def test_nested_dicts_are_passed_unbuilt(models: Registry) -> None:
    cfg = Config(dict(model=dict(type='ResNet', depth=50, norm_cfg=dict(type='BN'))))
    net = models.build(cfg.model)
    assert net.norm_cfg == dict(type='BN') and net.norm_cfg.key_path == 'model.norm_cfg'


def test_cfg_is_not_modified(models: Registry) -> None:
    cfg = dict(type='ResNet', depth=50, _scope_='bt')
    models.build(cfg)
    assert cfg == dict(type='ResNet', depth=50, _scope_='bt')


def test_scope_key_switches_registry() -> None:
    root = Registry('model', scope='sc_root')
    child = Registry('model', parent=root, scope='sc_child')
    child.register_module(module=dict, name='OnlyInChild')
    assert root.build(dict(type='OnlyInChild', _scope_='sc_child', a=1)) == {'a': 1}
    assert DefaultScope.get_current_instance() is None


def test_unknown_type_names_registry_path_and_suggestions(models: Registry) -> None:
    cfg = Config(dict(model=dict(backbone=dict(type='ResNt', depth=50))))
    with pytest.raises(KeyError, match=r"ResNt is not in the bt::model registry \(while "
                                       r"building model.backbone \(type='ResNt'\)\)\. "
                                       r"Did you mean one of 'ResNet'"):
        models.build(cfg.model.backbone)


def test_unknown_scope_is_an_error_not_a_fallback(models: Registry) -> None:
    with pytest.raises(KeyError, match="scope 'mml_nonexistent' has no 'model' registry"):
        models.build(dict(type='ResNet', depth=1, _scope_='mml_nonexistent'))


def test_constructor_rejects_argument(models: Registry) -> None:
    cfg = Config(dict(model=dict(type='ResNet', dpth=50)))
    with pytest.raises(TypeError, match=r"ResNet rejects the arguments while building model "
                                        r"\(type='ResNet'\): unexpected argument\(s\) 'dpth'\. "
                                        r"Valid parameters: depth, stages, norm_cfg\. "
                                        r"Did you mean 'depth'\?"):
        models.build(cfg.model)
    with pytest.raises(TypeError, match="missing a required argument: 'depth'"):
        models.build(dict(type='ResNet'))


def test_constructor_error_keeps_type_and_gains_note(models: Registry) -> None:
    cfg = Config(dict(model=dict(type='Exploding')))
    with pytest.raises(RuntimeError, match='boom') as info:
        models.build(cfg.model)
    assert "while building model (type='Exploding')" in info.value.__notes__


def test_bad_cfg_inputs(models: Registry) -> None:
    with pytest.raises(TypeError, match='cfg should be a dict, ConfigDict or Config'):
        build_from_cfg([1], models)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match='must contain the key "type"'):
        build_from_cfg(dict(depth=1), models)
    with pytest.raises(TypeError, match='registry must be a mmlightning.Registry object'):
        build_from_cfg(dict(type='ResNet'), 'models')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='default_args should be a dict'):
        build_from_cfg(dict(type='ResNet'), models, default_args=[1])  # type: ignore[arg-type]
    with pytest.raises(TypeError,
                       match=r'type must be a str or valid type, but got <class .int.> \(3\)'):
        build_from_cfg(dict(type=3), models)


def test_manager_mixin_types_use_get_instance() -> None:
    registry = Registry('visualizer', scope='mm')

    @registry.register_module()
    class Hub(ManagerMixin):
        def __init__(self, name: str = '', value: int = 0) -> None:
            super().__init__(name)
            self.value = value

    first = registry.build(dict(type='Hub', name='hub', value=1))
    assert registry.build(dict(type='Hub', name='hub')) is first
    assert Hub.get_current_instance() is first


def test_model_list_builds_sequential() -> None:
    import torch

    from mmlightning.registry import MODELS

    model = build_model_from_cfg([dict(type='Linear', in_features=2, out_features=3),
                                  dict(type='ReLU')], MODELS)
    assert isinstance(model, torch.nn.Sequential) and len(model) == 2


def test_scheduler_convert_to_iter_based() -> None:
    registry = Registry('parameter scheduler', build_func=build_scheduler_from_cfg, scope='s')

    @registry.register_module()
    class Sched:
        def __init__(self, begin: int = 0, end: int = 10, by_epoch: bool = True) -> None:
            self.begin, self.end, self.by_epoch = begin, end, by_epoch

        @classmethod
        def build_iter_from_epoch(cls, begin: int = 0, end: int = 10, by_epoch: bool = True,
                                  epoch_length: int = 1) -> Sched:
            return cls(begin * epoch_length, end * epoch_length, by_epoch=False)

    built = registry.build(dict(type='Sched', end=3, convert_to_iter_based=True),
                           default_args=dict(epoch_length=5))
    assert (built.end, built.by_epoch) == (15, False)
    plain = registry.build(dict(type='Sched', end=3), default_args=dict(epoch_length=5))
    assert plain.end == 3
    with pytest.raises(ValueError, match='needs the epoch length'):
        registry.build(dict(type='Sched', convert_to_iter_based=True))
    with pytest.raises(ValueError, match='only applies to by_epoch=True'):
        registry.build(dict(type='Sched', by_epoch=False, convert_to_iter_based=True),
                       default_args=dict(epoch_length=5))


def test_runner_built_through_from_cfg() -> None:
    registry = Registry('runner', scope='r',
                        build_func=__import__('mmlightning.registry', fromlist=['x'])
                        .build_runner_from_cfg)

    @registry.register_module()
    class Runner:
        @classmethod
        def from_cfg(cls, cfg: dict) -> tuple:
            return cls, dict(cfg)

    cls, cfg = registry.build(dict(a=1))
    assert cls is Runner and cfg == {'a': 1}
