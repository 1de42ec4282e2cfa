"""BaseDataset and the wrappers compared with mmengine 0.10.7."""
from __future__ import annotations

import inspect
import json

import pytest

import mmlightning.dataset as ours_dataset
from mmlightning.dataset import BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset

pytest.importorskip('mmengine')
mme_dataset = pytest.importorskip('mmengine.dataset')


def _write(tmp_path):
    cats = [[0, 1], [0, 2], [0, 2], [], [3], [0], [0, 3]]
    data_list = [dict(img_path=f'im{i}.jpg', seg_path=f'seg{i}.png', cats=c)
                 for i, c in enumerate(cats)]
    (tmp_path / 'root').mkdir()
    (tmp_path / 'root' / 'ann.json').write_text(json.dumps(dict(
        metainfo=dict(classes=['a', 'b'], version='1', palette=[0]), data_list=data_list)))
    (tmp_path / 'classes.txt').write_text('x\ny\n')


def _pair(base):
    class Ours(BaseDataset):
        METAINFO = dict(version='2', task='t')

        def get_cat_ids(self, idx):
            return self.get_data_info(idx)['cats']

    class Theirs(base):
        METAINFO = dict(version='2', task='t')

        def get_cat_ids(self, idx):
            return self.get_data_info(idx)['cats']

    return Ours, Theirs


@pytest.mark.parametrize('kwargs', [
    dict(ann_file='ann.json', data_root='{root}', data_prefix=dict(img_path='imgs/',
                                                                  seg_path='/abs/segs')),
    dict(ann_file='{root}/ann.json', data_prefix=dict(img_path='')),
    dict(ann_file='ann.json', data_root='{root}', metainfo=dict(classes='{tmp}/classes.txt',
                                                                palette=[1, 2], extra='e')),
    dict(ann_file='ann.json', data_root='{root}', indices=[6, 0, -2], serialize_data=False),
    dict(ann_file='ann.json', data_root='{root}', indices=-3),
])
def test_metainfo_and_paths_match_mmengine(tmp_path, kwargs):
    _write(tmp_path)

    def fill(value):
        if isinstance(value, str):
            return value.format(root=tmp_path / 'root', tmp=tmp_path)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    kwargs = fill(kwargs)
    Ours, Theirs = _pair(mme_dataset.BaseDataset)
    ours, theirs = Ours(**kwargs), Theirs(**kwargs)
    assert ours.metainfo == theirs.metainfo
    assert ours.ann_file == theirs.ann_file and ours.data_prefix == theirs.data_prefix
    assert len(ours) == len(theirs)
    # mmengine fails on idx == -len with serialize_data=True (data_address[-len - 1])
    for idx in range(1 - len(ours), len(ours)):
        assert ours.get_data_info(idx) == theirs.get_data_info(idx)
    assert ours.get_data_info(-len(ours)) == ours.get_data_info(0)
    for indices in ([1, 0], 2, -2):
        sub_ours, sub_theirs = ours.get_subset(indices), theirs.get_subset(indices)
        assert [sub_ours.get_data_info(i) for i in range(len(sub_ours))] == \
            [sub_theirs.get_data_info(i) for i in range(len(sub_theirs))]


@pytest.mark.parametrize('thr', [0.05, 0.3, 0.5, 1.0])
def test_class_balanced_matches_mmengine(tmp_path, thr):
    _write(tmp_path)
    Ours, Theirs = _pair(mme_dataset.BaseDataset)
    kwargs = dict(ann_file=str(tmp_path / 'root' / 'ann.json'))
    ours = ClassBalancedDataset(Ours(**kwargs), oversample_thr=thr)
    theirs = mme_dataset.ClassBalancedDataset(Theirs(**kwargs), oversample_thr=thr)
    assert ours._get_repeat_factors(ours.dataset, thr) == \
        theirs._get_repeat_factors(theirs.dataset, thr)
    assert ours.repeat_indices == theirs.repeat_indices
    assert [ours.get_cat_ids(i) for i in range(len(ours))] == \
        [theirs.get_cat_ids(i) for i in range(len(theirs))]


def test_concat_and_repeat_match_mmengine(tmp_path):
    _write(tmp_path)
    Ours, Theirs = _pair(mme_dataset.BaseDataset)
    kwargs = dict(ann_file=str(tmp_path / 'root' / 'ann.json'))
    ours_repeat = RepeatDataset(Ours(**kwargs, indices=2), 3)
    theirs_repeat = mme_dataset.RepeatDataset(Theirs(**kwargs, indices=2), 3)
    assert len(ours_repeat) == len(theirs_repeat) == 6
    assert [ours_repeat.get_data_info(i) for i in range(6)] == \
        [theirs_repeat.get_data_info(i) for i in range(6)]
    ours = ConcatDataset([Ours(**kwargs, indices=2), Ours(**kwargs)])
    theirs = mme_dataset.ConcatDataset([Theirs(**kwargs, indices=2), Theirs(**kwargs)])
    assert len(ours) == len(theirs) == 9
    assert [ours.get_data_info(i) for i in range(-9, 9)] == \
        [theirs.get_data_info(i) for i in range(-9, 9)]
    assert ours.metainfo == theirs.metainfo


@pytest.mark.parametrize('name', mme_dataset.__all__)
def test_public_names_and_signatures_match_mmengine(name):
    ours, theirs = getattr(ours_dataset, name), getattr(mme_dataset, name)
    if not callable(theirs) or name == 'COLLATE_FUNCTIONS':
        return
    ours_params = inspect.signature(ours).parameters
    theirs_params = inspect.signature(theirs).parameters
    assert list(ours_params) == list(theirs_params)
    for key, param in theirs_params.items():
        default = ours_params[key].default
        if isinstance(param.default, (dict, list)):  # ours are immutable equivalents
            assert type(param.default)(default) == param.default
        elif key != 'old_func':
            assert default == param.default, key
