"""dump / pretty_text: readable Python that reads back equal; YAML and JSON; atomic writes."""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import pytest

from mmlightning.config import Config

DATA = Path(__file__).parent / 'data'
ROUND_TRIP = ['py/child.py', 'py/types.py', 'py/functions.py', 'mixed/py_child_of_yaml.py',
              'yaml/child.yaml', 'chain/level2.py', 'py/delete.py']


@pytest.mark.parametrize('relative', ROUND_TRIP)
@pytest.mark.parametrize('suffix', ['.py', '.yaml', '.json'])
def test_dump_reads_back_equal(relative: str, suffix: str, tmp_path: Path) -> None:
    cfg = Config.fromfile(DATA / relative)
    target = tmp_path / f'dumped{suffix}'
    cfg.dump(target)
    again = Config.fromfile(target)
    if suffix == '.py':
        assert again.to_dict() == cfg.to_dict()
    else:  # tuples become lists in YAML/JSON, classes and functions dotted strings
        assert again.to_dict().keys() == cfg.to_dict().keys()


def test_py_dump_keeps_types_exactly(tmp_path: Path) -> None:
    cfg = Config.fromfile(DATA / 'py/types.py')
    cfg.dump(tmp_path / 'a.py')
    again = Config.fromfile(tmp_path / 'a.py').to_dict()
    assert again == cfg.to_dict()
    assert isinstance(again['nested']['a'][1], tuple)
    single = Config(dict(t=(1,), s={'not valid': 1, 'if': 2}, f=float('inf'), n=None))
    single.dump(tmp_path / 'b.py')
    back = Config.fromfile(tmp_path / 'b.py')
    assert back.t == (1,) and back.s == {'not valid': 1, 'if': 2} and back.f == float('inf')


def test_classes_and_functions_dump_as_imports(tmp_path: Path) -> None:
    cfg = Config(dict(model=dict(type=OrderedDict, fn=os.path.join)))
    text = cfg.pretty_text
    assert "__import__('importlib').import_module('collections').OrderedDict" in text
    (tmp_path / 'c.py').write_text(text)
    again = Config.fromfile(tmp_path / 'c.py')
    assert again.model.type is OrderedDict and again.model.fn is os.path.join


def test_pretty_text_is_readable() -> None:
    text = Config.fromfile(DATA / 'py/child.py').pretty_text
    assert text.startswith('model = dict(\n    type=\'ResNet\',\n    depth=101,\n')
    assert max(len(line) for line in text.splitlines()) <= 79
    assert "param_scheduler = [\n    dict(type='LinearLR'" in text


def test_unwritable_values_name_their_key() -> None:
    cfg = Config(dict(model=dict(weights=object())))
    with pytest.raises(ValueError, match=r'model\.weights: a object'):
        cfg.pretty_text
    with pytest.raises(ValueError, match='only module-level classes'):
        Config(dict(fn=lambda x: x)).pretty_text
    with pytest.raises(ValueError, match="top-level key 'my-key' is not a Python identifier"):
        Config({'my-key': 1}).pretty_text


def test_dump_without_file_follows_source_format() -> None:
    assert Config.fromfile(DATA / 'py/child.py').dump().startswith('model = dict(')
    assert Config.fromfile(DATA / 'yaml/child.yaml').dump().startswith('model:\n')
    assert Config.fromfile(DATA / 'mixed/base.json').dump().startswith('{\n')
    assert Config(dict(a=1)).dump() == 'a = 1\n'


def test_dump_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / 'cfg.py'
    target.write_text('a = 1\n')
    with pytest.raises(ValueError):
        Config(dict(x=object())).dump(target)
    assert target.read_text() == 'a = 1\n'
    assert os.listdir(tmp_path) == ['cfg.py']


def test_diff() -> None:
    diff = Config.diff(Config(dict(a=1, b=2)), Config(dict(a=1, b=3)))
    assert '-b = 2' in diff and '+b = 3' in diff


def test_diff_ignores_key_order(tmp_path) -> None:
    first, second = tmp_path / 'first.py', tmp_path / 'second.py'
    first.write_text('a = 1\nmodel = dict(depth=50, type="ResNet")\n')
    second.write_text('model = dict(type="ResNet", depth=50)\na = 1\n')
    assert Config.diff(str(first), str(second)) == '\n'
    second.write_text('model = dict(type="ResNet", depth=18)\na = 1\n')
    diff = Config.diff(str(first), str(second))
    assert "-model = dict(depth=50, type='ResNet')" in diff
    assert "+model = dict(depth=18, type='ResNet')" in diff
