"""Config.fromfile / fromstring / Config(dict): formats, _base_ chains, substitutions."""
from __future__ import annotations

import os.path as osp
import sys
from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigDict, ConfigParsingError

DATA = Path(__file__).parent / 'data'


def load(relative: str) -> Config:
    return Config.fromfile(DATA / relative)


@pytest.mark.parametrize('relative', ['py/base_model.py', 'mixed/base.json', 'yaml/base.yaml'])
def test_each_format_loads(relative: str) -> None:
    cfg = load(relative)
    assert isinstance(cfg._cfg_dict, ConfigDict)
    assert cfg.filename == str(DATA / relative)
    assert len(cfg) == 2


def test_yml_suffix_and_unknown_suffix(tmp_path: Path) -> None:
    (tmp_path / 'a.yml').write_text('a: 1\n')
    assert Config.fromfile(tmp_path / 'a.yml').a == 1
    (tmp_path / 'a.toml').write_text('a = 1\n')
    with pytest.raises(OSError, match=r"\.py, \.yaml, \.yml or \.json, not '\.toml'"):
        Config.fromfile(tmp_path / 'a.toml')


def test_base_list_merges_recursively_and_replaces_lists() -> None:
    cfg = load('py/child.py')
    assert cfg.model.depth == 101
    assert cfg.model.norm_cfg == dict(type='BN', requires_grad=False)
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.train_cfg == dict(by_epoch=True, max_epochs=24, val_interval=1)


def test_list_replaced_whole(tmp_path: Path) -> None:
    (tmp_path / 'base.py').write_text('items = [1, 2, 3]\n')
    (tmp_path / 'child.py').write_text("_base_ = './base.py'\nitems = [9]\n")
    assert Config.fromfile(tmp_path / 'child.py')['items'] == [9]


def test_nested_chain() -> None:
    cfg = load('chain/level2.py')
    assert cfg.to_dict() == dict(a=dict(x=2, y=1, z=0), only0='zero', only2=[1, 2])


def test_base_as_string_and_delete() -> None:
    cfg = load('py/delete.py')
    assert cfg.model.to_dict() == dict(type='VGG', depth=16)


def test_mixed_formats_both_ways() -> None:
    py_child = load('mixed/py_child_of_yaml.py')
    assert py_child.model == dict(type='LeNet', num_classes=3, layers=[1, 2, 3])
    assert py_child.dataset.batch_size == 16 and py_child.seed == 42
    yaml_child = load('mixed/yaml_child_of_py.yaml')
    assert yaml_child.model.depth == 18
    assert yaml_child.model.out_indices == (0, 1, 2, 3)
    assert load('mixed/json_child.json').train_cfg.max_epochs == 3


def test_base_vars_in_py_and_yaml() -> None:
    cfg = load('py/base_var.py')
    assert cfg.backbone_depth == 50
    assert cfg.schedulers[1].type == 'MultiStepLR'
    assert cfg.model.neck.in_channels == (0, 1, 2, 3)
    assert cfg.depth_twice == 100
    assert load('yaml/child.yaml').extra == 0.001


def test_base_var_with_list_index() -> None:
    # MMEngine cannot read this file (its lazy-config check parses the raw text).
    assert load('py/base_var_index.py').first_scheduler.type == 'LinearLR'


def test_base_var_in_json(tmp_path: Path) -> None:
    (tmp_path / 'base.json').write_text('{"a": {"b": [1, 2]}}')
    (tmp_path / 'child.json').write_text('{"_base_": "./base.json", "c": {{_base_.a.b}}}')
    assert Config.fromfile(tmp_path / 'child.json').c == [1, 2]


def test_base_var_value_is_a_copy(tmp_path: Path) -> None:
    (tmp_path / 'base.py').write_text('a = dict(x=1)\n')
    (tmp_path / 'child.py').write_text("_base_ = './base.py'\nb = {{_base_.a}}\n")
    cfg = Config.fromfile(tmp_path / 'child.py')
    cfg.b.x = 2
    assert cfg.a.x == 1


def test_predefined_variables() -> None:
    cfg = load('py/predefined.py')
    assert cfg.work_dir == './work_dirs/predefined'
    assert cfg.source.to_dict() == dict(dir=str(DATA / 'py'), name='predefined.py', ext='.py')


def test_predefined_variables_can_be_disabled() -> None:
    cfg = Config.fromfile(DATA / 'py/predefined.py', use_predefined_variables=False)
    assert cfg.work_dir == './work_dirs/{{ fileBasenameNoExtension }}'


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load('py/env.py')
    assert cfg.data_root == '/data/default/images'
    assert cfg.model.num_classes == 80 and cfg.env_variables == {}
    monkeypatch.setenv('MML_TEST_DATA_ROOT', '/mnt/data')
    monkeypatch.setenv('MML_TEST_NUM_CLASSES', '3')
    cfg = load('py/env.py')
    assert cfg.data_root == '/mnt/data/images'
    assert cfg.model.num_classes == 3
    assert cfg.env_variables == {'MML_TEST_DATA_ROOT': '/mnt/data', 'MML_TEST_NUM_CLASSES': '3'}


def test_types_preserved() -> None:
    cfg = load('py/types.py').to_dict()
    assert cfg['scale'] == (1333, 800) and isinstance(cfg['scale'], tuple)
    assert cfg['nested']['a'][0]['b'] == (1, 2.5)
    assert isinstance(cfg['nested']['a'][1], tuple) and isinstance(cfg['nested']['a'][1][1], list)
    assert isinstance(cfg['big'], int) and isinstance(cfg['ratio'], float)
    assert cfg['flags'] == [True, False, None]


def test_functions_and_classes_as_values_top_level_defs_dropped() -> None:
    cfg = load('py/functions.py')
    assert cfg.model.loss.fn is osp.join
    assert cfg.model.depth == 50 and 'helper' not in cfg and 'math' not in cfg
    cfg_with_class = Config.fromstring('from collections import OrderedDict\n'
                                       'c = dict(type=OrderedDict)\n', '.py')
    assert cfg_with_class.c.type is __import__('collections').OrderedDict


def test_package_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / 'fakepkg'
    (package / '.mim' / 'configs' / 'models').mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / '.mim' / 'configs' / 'models' / 'net.py').write_text(
        "model = dict(type='Net', backbone=dict(type='Backbone'))\nlr = 0.1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / 'child.py').write_text("_base_ = 'fakepkg::models/net.py'\nlr = 0.2\n")
    cfg = Config.fromfile(tmp_path / 'child.py')
    assert cfg.model._scope_ == 'fakepkg'
    assert '_scope_' not in cfg.model.backbone
    assert cfg.lr == 0.2


def test_package_base_errors(tmp_path: Path) -> None:
    (tmp_path / 'child.py').write_text("_base_ = 'nosuchpkg_xyz::a/b.py'\n")
    with pytest.raises(ConfigParsingError, match="needs the package 'nosuchpkg_xyz'"):
        Config.fromfile(tmp_path / 'child.py')
    (tmp_path / 'child2.py').write_text("_base_ = 'json::a/b.py'\n")
    with pytest.raises(ConfigParsingError, match="is not shipped by 'json'"):
        Config.fromfile(tmp_path / 'child2.py')


def test_lazy_pure_python_config() -> None:
    import torch

    cfg = load('lazy/child_lazy.py')
    assert cfg.model.type is torch.nn.Linear
    assert cfg.activation.type is torch.nn.ReLU
    assert cfg.model.out_features == 3 and cfg.model.in_features == 4
    assert cfg.epochs == 5
    as_dict = cfg.to_dict()
    assert as_dict['model']['type'] == 'torch.nn.Linear'
    assert 'nn' not in as_dict and 'read_base' not in as_dict and 'Linear' not in as_dict
    assert 'Linear' in cfg.to_dict(keep_imported=True)


def test_lazy_config_imports_nothing_while_reading(tmp_path: Path) -> None:
    (tmp_path / 'lazy_cfg.py').write_text(
        'from mml_not_installed_pkg.models import Thing\nmodel = dict(type=Thing)\n')
    cfg = Config.fromfile(tmp_path / 'lazy_cfg.py')
    assert cfg.to_dict()['model']['type'] == 'mml_not_installed_pkg.models.Thing'
    with pytest.raises(ImportError, match='mml_not_installed_pkg.models'):
        cfg.model.type


def test_lazy_config_selective_import_and_cycle(tmp_path: Path) -> None:
    (tmp_path / 'base.py').write_text('a = 1\nb = dict(x=1)\n')
    (tmp_path / 'child.py').write_text(
        'from mmlightning.config import read_base\n'
        'with read_base():\n    from .base import b as base_b\n'
        'c = base_b.x + 1\n')
    cfg = Config.fromfile(tmp_path / 'child.py')
    assert cfg.to_dict() == {'base_b': {'x': 1}, 'c': 2}
    (tmp_path / 'loop_a.py').write_text('with read_base():\n    from .loop_b import *\n')
    (tmp_path / 'loop_b.py').write_text('with read_base():\n    from .loop_a import *\n')
    with pytest.raises(ConfigParsingError, match='cyclic read_base'):
        Config.fromfile(tmp_path / 'loop_a.py')


def test_mixing_lazy_and_base_styles_is_an_error(tmp_path: Path) -> None:
    (tmp_path / 'lazy_base.py').write_text('from torch.nn import Linear\nm = dict(type=Linear)\n')
    (tmp_path / 'child.py').write_text("_base_ = './lazy_base.py'\n")
    with pytest.raises(ConfigParsingError, match='cannot mix both styles'):
        Config.fromfile(tmp_path / 'child.py')


def test_custom_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / 'mml_custom_mod.py').write_text('LOADED = True\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / 'cfg.py').write_text("custom_imports = dict(imports=['mml_custom_mod'])\n")
    Config.fromfile(tmp_path / 'cfg.py')
    assert sys.modules['mml_custom_mod'].LOADED
    (tmp_path / 'bad.py').write_text("custom_imports = dict(imports=['mml_missing_mod'])\n")
    with pytest.raises(ImportError, match='Set PYTHONPATH'):
        Config.fromfile(tmp_path / 'bad.py')


def test_deprecation_key(tmp_path: Path) -> None:
    (tmp_path / 'old.py').write_text(
        "_deprecation_ = dict(expected='new.py', reference='https://x')\na = 1\n")
    with pytest.warns(DeprecationWarning, match='Please use new.py instead'):
        cfg = Config.fromfile(tmp_path / 'old.py')
    assert '_deprecation_' not in cfg


def test_fromstring_each_format() -> None:
    assert Config.fromstring('a = dict(b=(1, 2))', '.py').a.b == (1, 2)
    assert Config.fromstring('a:\n  b: 1\n', '.yaml').a.b == 1
    assert Config.fromstring('{"a": [1]}', '.json').a == [1]
    with pytest.raises(OSError, match="file_format must be"):
        Config.fromstring('a = 1', 'py')
    with pytest.warns(UserWarning, match='is file_format ".py"'):
        Config.fromstring('a: "dict(x)"', '.yaml')


def test_config_from_dict_text_and_reserved_keys(tmp_path: Path) -> None:
    cfg = Config(dict(a=1, b=dict(c=2)))
    assert cfg.b.c == 2 and cfg.filename is None and cfg.text == ''
    with pytest.raises(KeyError, match='filename is reserved for config file'):
        Config(dict(filename='x'))
    with pytest.raises(TypeError, match='cfg_dict must be a dict'):
        Config([1, 2])  # type: ignore[arg-type]
    text = load('py/child.py').text
    assert text.index(str(DATA / 'py/base_model.py')) < text.index(str(DATA / 'py/child.py'))
    assert "model = dict(depth=101" in text


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ConfigParsingError, match='safe loader'):
        load('errors/unsafe.yaml')
