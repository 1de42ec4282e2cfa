"""Config.explain: which file and line set a key, and what it overrode."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigKeyError

DATA = Path(__file__).parent / 'data'


def test_value_overridden_along_the_chain() -> None:
    explanation = Config.fromfile(DATA / 'chain/level2.py').explain('a.x')
    assert [(Path(o.file).name, o.line, o.value) for o in explanation.origins] == [
        ('level0.py', 1, 0), ('level1.py', 2, 1), ('level2.py', 2, 2)]
    assert Path(explanation.set_by.file).name == 'level2.py'
    assert [o.value for o in explanation.overridden] == [0, 1]
    assert explanation.value == 2


def test_untouched_key_keeps_base_origin() -> None:
    explanation = Config.fromfile(DATA / 'py/child.py').explain('optim_wrapper.optimizer.momentum')
    assert len(explanation.origins) == 1
    assert explanation.set_by.file == str(DATA / 'py/base_schedule.py')
    assert explanation.set_by.line == 3


def test_yaml_lines_and_text() -> None:
    explanation = Config.fromfile(DATA / 'yaml/child.yaml').explain('model.num_classes')
    assert [(Path(o.file).name, o.line) for o in explanation.origins] == [
        ('base.yaml', 3), ('child.yaml', 3)]
    text = str(explanation)
    assert text.splitlines()[0] == 'model.num_classes = 5'
    assert 'overridden' in text and 'in effect' in text


def test_dict_key_lists_every_leaf_and_delete_drops_history() -> None:
    explanation = Config.fromfile(DATA / 'py/delete.py').explain('model')
    assert {o.key for o in explanation.origins} == {'model.type', 'model.depth'}
    assert all(Path(o.file).name == 'delete.py' for o in explanation.origins if
               o.key == 'model.type' and o is explanation.origins[-1])
    assert not any(o.key == 'model.norm_cfg.type' for o in explanation.origins)


def test_cfg_options_recorded() -> None:
    cfg = Config.fromfile(DATA / 'py/child.py')
    cfg.merge_from_dict({'model.depth': 152}, source='<cfg-options>')
    explanation = cfg.explain('model.depth')
    assert explanation.set_by.file == '<cfg-options>' and explanation.value == 152
    assert [o.value for o in explanation.overridden] == [50, 101]


def test_unknown_key_and_code_set_key() -> None:
    cfg = Config.fromfile(DATA / 'py/child.py')
    with pytest.raises(ConfigKeyError, match="'model.dept' is not in the config. Did you mean"):
        cfg.explain('model.dept')
    cfg.extra = 1
    assert cfg.explain('extra').set_by.file == '<after loading>'
    cfg.model.depth = 18
    explanation = cfg.explain('model.depth')
    assert explanation.set_by.file == '<after loading>' and explanation.set_by.value == 18
    assert [o.value for o in explanation.overridden] == [50, 101]
    assert all(o.file != '<after loading>' for o in cfg.explain('model.type').origins)
