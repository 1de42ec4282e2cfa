"""MMEngine's Config helpers that code imports: auto_argparser, _file2dict, config.utils."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigDict
from mmlightning.config.argparser import add_args
from mmlightning.config.utils import (
    MODULE2PACKAGE,
    _get_external_cfg_base_path,
    _get_package_and_cfg_path,
)

CONFIG = """model = dict(depth=50, name='r', frozen=False, lr=0.1, stages=[1, 2], pipes=[dict(a=1)])
work_dir = './w'
empty = []
nothing = None
"""


def test_auto_argparser_flags_every_key(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / 'cfg.py'
    path.write_text(CONFIG)
    monkeypatch.setattr(sys, 'argv', ['train.py', str(path)])
    parser, cfg = Config.auto_argparser('demo')
    assert cfg.model.depth == 50 and parser.description == 'demo'
    args = parser.parse_args([str(path), '--model.depth', '101', '--model.frozen',
                              '--model.lr', '0.5', '--model.stages', '3', '4',
                              '--work_dir', 'x', '--empty', 'a', '--nothing', '[1,2]'])
    values = vars(args)
    assert values['config'] == str(path)
    assert values['model.depth'] == 101 and values['model.frozen'] is True
    assert values['model.lr'] == 0.5 and values['model.stages'] == [3, 4]
    assert values['work_dir'] == 'x' and values['empty'] == ['a']
    assert values['nothing'] == [1, 2]  # parsed as --cfg-options values are
    unset = parser.parse_args([str(path)])
    assert getattr(unset, 'model.depth') is None and getattr(unset, 'model.frozen') is False
    assert getattr(unset, 'model.pipes') is None


def test_add_args_rejects_wrongly_typed_values(tmp_path: Path) -> None:
    import argparse

    parser = add_args(argparse.ArgumentParser(exit_on_error=False), dict(depth=50))
    with pytest.raises(argparse.ArgumentError, match='invalid int value'):
        parser.parse_args(['--depth', 'deep'])


def test_file2dict_returns_config_dicts_text_and_env(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / 'base.py').write_text('a = dict(x=1)\n')
    path = tmp_path / 'child.py'
    path.write_text("_base_ = './base.py'\nb = '{{$MML_HELPER_VAR:7}}'\n")
    monkeypatch.setenv('MML_HELPER_VAR', '9')
    cfg_dict, text, env = Config._file2dict(path)
    assert type(cfg_dict) is ConfigDict and type(cfg_dict.a) is ConfigDict
    assert cfg_dict.b == '9' and env == {'MML_HELPER_VAR': '9'} and 'base.py' in text


def test_file_helpers_write_the_substituted_text(tmp_path: Path) -> None:
    source, target = tmp_path / 'a.py', tmp_path / 'b.py'
    source.write_text("n = '{{ fileBasenameNoExtension }}'\nx = {{_base_.y}}\n")
    Config._substitute_predefined_vars(source, target)
    assert target.read_text().startswith("n = 'a'")
    placeholders = Config._pre_substitute_base_vars(source, target)
    assert list(placeholders.values()) == ['y']
    assert f'x = "{next(iter(placeholders))}"' in target.read_text()
    source.write_text('dict(a=1,b=2.c=3)')
    with pytest.raises(SyntaxError, match='There are syntax errors in config file'):
        Config._validate_py_syntax(source)


def test_config_utils_package_helpers(tmp_path: Path) -> None:
    assert MODULE2PACKAGE['mmseg'] == 'mmsegmentation'
    assert _get_package_and_cfg_path('mmseg::fcn/fcn.py') == ('mmsegmentation', 'fcn/fcn.py')
    assert _get_package_and_cfg_path('mypkg::a/b.py') == ('mypkg', 'a/b.py')  # any package
    for bad in ('path/cfg', 'mmdet:path/cfg', 'mmdet::path/cfg::x'):
        with pytest.raises(ValueError):
            _get_package_and_cfg_path(bad)
    with pytest.raises(FileNotFoundError, match='ships no config'):
        _get_external_cfg_base_path(str(tmp_path), 'a/b.py')
    (tmp_path / '.mim' / 'configs' / 'a').mkdir(parents=True)
    (tmp_path / '.mim' / 'configs' / 'a' / 'b.py').write_text('')
    assert _get_external_cfg_base_path(str(tmp_path), 'a/b.py') == \
        str(tmp_path / '.mim' / 'configs' / 'a' / 'b.py')
