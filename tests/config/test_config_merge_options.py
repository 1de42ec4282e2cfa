"""merge_from_dict and DictAction (--cfg-options)."""
from __future__ import annotations

import argparse

import pytest

from mmlightning.config import Config, ConfigMergeError, DictAction


def test_dotted_keys_create_and_override() -> None:
    cfg = Config(dict(model=dict(backbone=dict(type='ResNet'))))
    cfg.merge_from_dict({'model.backbone.depth': 50, 'model.backbone.with_cp': True, 'new.k': 1})
    assert cfg.to_dict() == dict(model=dict(backbone=dict(type='ResNet', depth=50,
                                                          with_cp=True)), new=dict(k=1))


def test_list_indices() -> None:
    cfg = Config(dict(pipeline=[dict(type='Load'), dict(type='Resize', size=1)]))
    cfg.merge_from_dict({'pipeline.1.size': 2, 'pipeline.0': dict(type='LoadV2')})
    assert cfg.pipeline == [dict(type='LoadV2'), dict(type='Resize', size=2)]
    with pytest.raises(KeyError, match='index 5 is out of range for a list of 2 items'):
        cfg.merge_from_dict({'pipeline.5.size': 3})


def test_list_keys_disallowed() -> None:
    cfg = Config(dict(pipeline=[dict(type='Load')]))
    with pytest.raises(ConfigMergeError, match='pipeline is a dict in <merge_from_dict> but list'):
        cfg.merge_from_dict({'pipeline.0.type': 'X'}, allow_list_keys=False)


def test_matches_mmengine_semantics_for_delete() -> None:
    cfg = Config(dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)))
    cfg.merge_from_dict({'optimizer': dict(_delete_=True, type='Adam', lr=1e-3)})
    assert cfg.optimizer.to_dict() == dict(type='Adam', lr=1e-3)


@pytest.mark.parametrize('text, expected', [
    ('1', 1), ('-2', -2), ('1.5', 1.5), ('1e-3', 1e-3), ('true', True), ('False', False),
    ('None', None), ('none', 'none'), ('abc', 'abc'), ('a,b', ['a', 'b']), ('[1,2]', [1, 2]),
    ('(1,2)', (1, 2)), ('[]', []), ('()', ()), ('[(1,2),(3,4)]', [(1, 2), (3, 4)]),
    ('[1,[2,(3,4)],five]', [1, [2, (3, 4)], 'five']), ('"[1, 2]"', [1, 2]), ('1,2,', [1, 2]),
    ("'x'", 'x'),
])
def test_dict_action_value_parsing(text: str, expected: object) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    value = parser.parse_args(['--cfg-options', f'k={text}']).cfg_options['k']
    assert value == expected and type(value) is type(expected)


def test_dict_action_accumulates_and_splits_on_first_equals() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options', 'a=1', 'b.c=x=y', '--cfg-options', 'd=2'])
    assert args.cfg_options == {'a': 1, 'b.c': 'x=y', 'd': 2}


@pytest.mark.parametrize('pair, message', [
    ('novalue', "'novalue' is not KEY=VALUE"),
    ('=1', "'=1' is not KEY=VALUE"),
    ('k=[1,2', 'bad value for k: unbalanced brackets'),
])
def test_dict_action_malformed(pair: str, message: str) -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    with pytest.raises(argparse.ArgumentError, match=message.replace('[', r'\[')):
        parser.parse_args(['--cfg-options', pair])


def test_dict_action_matches_mmengine_parser() -> None:
    mmengine_config = pytest.importorskip('mmengine.config')
    for text in ['1', '1.5', 'true', 'None', 'a,b', '[(1,2),[3,c]]', '(1,)', "'q'", '[]']:
        assert DictAction._parse_iterable(text) == \
            mmengine_config.DictAction._parse_iterable(text)
