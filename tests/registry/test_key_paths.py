"""``located``/``key_path_of``: plain config dicts get a key path for build errors."""
from __future__ import annotations

import pytest

from mmlightning.config import Config
from mmlightning.registry import Registry
from mmlightning.registry.key_paths import key_path_of, located

MODELS = Registry('key path test models')


@MODELS.register_module()
class _Part:
    def __init__(self, size: int = 1) -> None:
        self.size = size


@MODELS.register_module()
class _Whole:
    def __init__(self, parts: list) -> None:
        self.parts = [MODELS.build(part) for part in parts]


def test_located_names_nested_dicts_and_lists_only_inside_the_block() -> None:
    cfg = dict(type='_Whole', parts=[dict(type='_Part'), dict(type='_Part', sise=2)])
    assert key_path_of(cfg) is None
    with located(cfg, 'model'):
        assert key_path_of(cfg) == 'model'
        assert key_path_of(cfg['parts']) == 'model.parts'
        assert key_path_of(cfg['parts'][1]) == 'model.parts[1]'
        assert key_path_of(dict(cfg['parts'][1])) is None  # a copy is another object
        with pytest.raises(TypeError, match=r"while building model\.parts\[1\] \(type='_Part'\)"
                                            r".*Did you mean 'size'"):
            MODELS.build(cfg)
    assert key_path_of(cfg['parts'][1]) is None


def test_config_dicts_know_their_place_and_a_located_name_wins() -> None:
    cfg = Config(dict(param_scheduler=[dict(type='A'), dict(type='B')], model=dict(type='M')))
    assert key_path_of(cfg.param_scheduler[1]) == 'param_scheduler[1]'
    assert key_path_of(cfg.model) == 'model'
    with located(cfg.model, 'teacher'):
        assert key_path_of(cfg.model) == 'teacher'
    with located(cfg.model, None):  # no name: nothing changes
        assert key_path_of(cfg.model) == 'model'


def test_cycles_and_non_config_values_are_walked_once() -> None:
    cfg: dict = dict(type='_Part', extra=object())
    cfg['self'] = cfg
    with located(cfg, 'model'):
        assert key_path_of(cfg) == 'model'
        assert key_path_of(cfg['extra']) is None
