"""``{{_base_.x}}`` references: quoted forms, missing keys, references inside strings."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigKeyError

BASE_PY = 'model = dict(width=3, depth=2)\n'
BASE_YAML = 'model:\n  width: 3\n  depth: 2\n'


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize('name, text', [
    ('child.py', "_base_ = './base.py'\na = '{{_base_.model.width}}'\nb = \"{{_base_.model}}\"\n"),
    ('child.yaml', "_base_: ./base.yaml\na: '{{_base_.model.width}}'\nb: \"{{_base_.model}}\"\n"),
    ('child.json', '{"_base_": "./base.yaml", "a": "{{_base_.model.width}}", '
                   '"b": "{{ _base_.model }}"}'),
])
def test_quoted_reference_is_the_base_value(tmp_path: Path, name: str, text: str) -> None:
    _write(tmp_path, 'base.py', BASE_PY)
    _write(tmp_path, 'base.yaml', BASE_YAML)
    cfg = Config.fromfile(_write(tmp_path, name, text))
    assert cfg.a == 3 and type(cfg.a) is int  # not the string '"_model.width_xxxxxx"'
    assert cfg.b == dict(width=3, depth=2)


@pytest.mark.parametrize('name, text', [
    ('child.py', "_base_ = './base.py'\nb = '{{_base_.model.widht}}'\n"),
    ('child.yaml', "_base_: ./base.py\nb: '{{_base_.model.widht}}'\n"),
    ('unquoted.py', "_base_ = './base.py'\nb = {{_base_.model.widht}}\n"),
])
def test_missing_key_names_file_reference_and_base_keys(tmp_path: Path, name: str,
                                                        text: str) -> None:
    _write(tmp_path, 'base.py', BASE_PY)
    path = _write(tmp_path, name, text)
    with pytest.raises(ConfigKeyError) as info:
        Config.fromfile(path)
    message = str(info.value)
    assert '{{_base_.model.widht}}' in message and str(path) in message
    assert "Did you mean one of 'model.width'" in message
    assert "Keys of the base at 'model': depth, width" in message


def test_missing_top_level_key_lists_the_base_keys(tmp_path: Path) -> None:
    _write(tmp_path, 'base.py', BASE_PY + 'lr = 0.1\n')
    path = _write(tmp_path, 'child.py', "_base_ = './base.py'\nb = '{{_base_.optim}}'\n")
    with pytest.raises(ConfigKeyError, match=r'Keys of the base: lr, model'):
        Config.fromfile(path)


def test_reference_inside_a_string_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, 'base.py', BASE_PY)
    path = _write(tmp_path, 'child.py', "_base_ = './base.py'\nb = 'w{{_base_.model.width}}'\n")
    with pytest.raises(ConfigKeyError, match=r'\{\{_base_.model.width\}\} in .*child\.py is part '
                                             r'of the string'):
        Config.fromfile(path)


def test_mmengine_leaves_garbage_for_quoted_references(tmp_path: Path) -> None:
    mmengine = pytest.importorskip('mmengine')
    _write(tmp_path, 'base.py', BASE_PY)
    path = _write(tmp_path, 'child.py', "_base_ = './base.py'\na = '{{_base_.model.width}}'\n")
    assert mmengine.Config.fromfile(str(path)).a.startswith('"_model.width_')  # the bug
    assert Config.fromfile(path).a == 3
