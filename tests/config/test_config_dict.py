"""ConfigDict: attribute access, key paths, copies, pickling, update/merge."""
from __future__ import annotations

import copy
import pickle

import pytest

from mmlightning.config import Config, ConfigDict, ConfigKeyError


def test_attribute_and_item_access_and_nested_assignment() -> None:
    cfg = ConfigDict(model=dict(backbone=dict(depth=50)), items=[dict(a=1), (dict(b=2),)])
    assert cfg.model.backbone.depth == cfg['model']['backbone']['depth'] == 50
    cfg.model.backbone.depth = 101
    cfg.model['neck'] = dict(channels=3)
    cfg.new = dict(x=dict(y=1))
    assert isinstance(cfg.model.neck, ConfigDict) and cfg.new.x.y == 1
    assert isinstance(cfg['items'][0], ConfigDict) and isinstance(cfg['items'][1][0], ConfigDict)
    assert cfg.model.backbone.depth == 101
    del cfg.new
    assert 'new' not in cfg


def test_key_paths_follow_the_tree() -> None:
    cfg = Config(dict(train_dataloader=dict(dataset=dict(pipeline=[dict(type='Load')]))))
    assert cfg.train_dataloader.dataset.key_path == 'train_dataloader.dataset'
    assert cfg.train_dataloader.dataset.pipeline[0].key_path == \
        'train_dataloader.dataset.pipeline.0'
    moved = cfg.train_dataloader.dataset
    cfg.val_dataloader = dict(dataset=moved)
    assert cfg.val_dataloader.dataset.key_path == 'val_dataloader.dataset'


def test_missing_attribute_names_full_path_and_suggests() -> None:
    cfg = Config(dict(train_cfg=dict(max_epochs=3)))
    with pytest.raises(AttributeError, match=r"'train_cfg.max_epoch' is not in the config. "
                                             r"Did you mean 'max_epochs'\?"):
        cfg.train_cfg.max_epoch
    with pytest.raises(KeyError, match="'train_cfg.max_epoch' is not in the config"):
        cfg.train_cfg['max_epoch']
    with pytest.raises(ConfigKeyError):
        cfg['nope']
    assert not hasattr(cfg.train_cfg, 'nope')


def test_get_pop_items_values_like_mmengine() -> None:
    cfg = ConfigDict(a=1, b=dict(c=2))
    assert cfg.get('a') == 1 and cfg.get('zz') is None and cfg.get('zz', 3) == 3
    assert cfg.pop('zz') is None and cfg.pop('zz', 4) == 4
    assert cfg.items() == [('a', 1), ('b', {'c': 2})]
    assert cfg.values() == [1, {'c': 2}]
    assert list(cfg) == ['a', 'b']
    assert cfg.pop('a') == 1 and 'a' not in cfg
    assert cfg.setdefault('d', dict(e=1)).e == 1


def test_update_merges_dicts_recursively() -> None:
    cfg = ConfigDict(model=dict(backbone=dict(depth=50, norm='BN'), head=1))
    cfg.update(model=dict(backbone=dict(depth=101)))
    assert cfg.model.to_dict() == dict(backbone=dict(depth=101, norm='BN'), head=1)
    cfg.update({'model': 3})
    assert cfg.model == 3
    with pytest.raises(TypeError, match='at most 1 positional'):
        cfg.update({}, {})


def test_merge_honours_delete() -> None:
    cfg = ConfigDict(a=dict(x=1, y=2), b=1)
    cfg.merge(dict(a=dict(x=3)))
    assert cfg.to_dict() == dict(a=dict(x=3, y=2), b=1)
    cfg.merge(dict(a=dict(_delete_=True, z=1)))
    assert cfg.to_dict() == dict(a=dict(z=1), b=1)


def test_to_dict_copy_deepcopy_pickle_equality() -> None:
    cfg = ConfigDict(a=dict(b=[dict(c=(1, 2))]))
    plain = cfg.to_dict()
    assert type(plain) is dict and type(plain['a']['b'][0]) is dict
    assert plain['a']['b'][0]['c'] == (1, 2)
    shallow = copy.copy(cfg)
    assert shallow.a is cfg.a
    deep = copy.deepcopy(cfg)
    deep.a.b[0].c = 3
    assert cfg.a.b[0].c == (1, 2) and isinstance(deep.a, ConfigDict)
    restored = pickle.loads(pickle.dumps(cfg))
    assert restored == cfg and isinstance(restored.a, ConfigDict)
    assert cfg == {'a': {'b': [{'c': (1, 2)}]}}
    assert cfg != [1]
    whole = Config(dict(a=1, b=dict(c=2)), filename=None)
    again = pickle.loads(pickle.dumps(whole))
    assert again == whole and copy.deepcopy(whole) == whole and copy.copy(whole).b.c == 2


def test_deepcopy_of_a_subtree_keeps_key_path_and_interpolation() -> None:
    cfg = Config(dict(lr=0.1, optim_wrapper=dict(optimizer=dict(type='SGD', lr='${lr}'))))
    optimizer = copy.deepcopy(cfg.optim_wrapper.optimizer)
    assert optimizer.key_path == 'optim_wrapper.optimizer' and optimizer.lr == 0.1
    whole = copy.deepcopy(cfg._cfg_dict)
    assert whole.optim_wrapper.optimizer.key_path == 'optim_wrapper.optimizer'
    assert whole.optim_wrapper.optimizer._parent is whole.optim_wrapper


def test_namedtuple_values_survive() -> None:
    from collections import namedtuple

    Point = namedtuple('Point', 'x y')
    cfg = ConfigDict(p=Point(1, dict(z=2)))
    assert isinstance(cfg.p, Point) and isinstance(cfg.p.y, ConfigDict)


def test_dir_lists_keys_for_completion() -> None:
    assert 'depth' in dir(ConfigDict(depth=1))
    assert 'model' in dir(Config(dict(model=1)))
