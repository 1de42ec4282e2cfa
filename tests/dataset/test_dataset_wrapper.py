"""ConcatDataset, RepeatDataset and ClassBalancedDataset."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mmlightning.dataset import BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset
from mmlightning.registry import DATASETS


@DATASETS.register_module(name='_WrapperTestToyDataset', force=True)
class ToyDataset(BaseDataset):
    def get_cat_ids(self, idx: int) -> list[int]:
        return self.get_data_info(idx)['cat_ids']


class ListDataset(ToyDataset):
    def __init__(self, items: list[dict], **kwargs) -> None:
        self.items = items
        super().__init__(data_prefix={}, **kwargs)

    def load_data_list(self) -> list[dict]:
        return [dict(item) for item in self.items]


def _items(values, meta=None):
    return ListDataset([dict(v=v, cat_ids=[0]) for v in values], metainfo=meta or dict(k=1))


def test_concat_indexes_across_datasets():
    concat = ConcatDataset([_items([0, 1]), _items([2, 3, 4])])
    assert len(concat) == 5
    assert [concat[i]['v'] for i in range(5)] == [0, 1, 2, 3, 4]
    assert concat.get_data_info(-1)['v'] == 4
    assert concat.get_data_info(2)['sample_idx'] == 0
    assert concat.metainfo == dict(k=1)
    with pytest.raises(ValueError, match=r'absolute value of index \(-6\)'):
        concat.get_data_info(-6)


def test_concat_from_configs_is_lazy_when_asked(ann_file):
    cfg = dict(type='_WrapperTestToyDataset', ann_file=str(ann_file), lazy_init=True)
    concat = DATASETS.build(dict(type='ConcatDataset', datasets=[cfg, cfg], lazy_init=True))
    assert not concat._fully_initialized
    assert not concat.datasets[0]._fully_initialized
    assert len(concat) == 12 and concat._fully_initialized


def test_concat_checks_metainfo():
    with pytest.raises(ValueError, match=r"metainfo\['k'\] of dataset 2 \(2\) differs"):
        ConcatDataset([_items([0]), _items([1], dict(k=2))])
    with pytest.raises(TypeError, match=r"metainfo\['k'\] of dataset 2 is a str"):
        ConcatDataset([_items([0]), _items([1], dict(k='1'))])
    with pytest.raises(ValueError, match="key 'j' is missing from dataset 1"):
        ConcatDataset([_items([0]), _items([1], dict(k=1, j=0))])
    arrays = ConcatDataset([_items([0], dict(k=np.ones(2))), _items([1], dict(k=np.ones(2)))])
    assert len(arrays) == 2
    ignored = ConcatDataset([_items([0]), _items([1], dict(k=2))], ignore_keys='k')
    assert ignored.metainfo == dict(k=1)


def test_wrappers_nest():
    nested = ConcatDataset([RepeatDataset(_items([0, 1]), 2), _items([2])])
    assert [nested[i]['v'] for i in range(len(nested))] == [0, 1, 0, 1, 2]
    balanced = ClassBalancedDataset(ConcatDataset([_items([0]), _items([1])]), 0.5)
    assert len(balanced) == 2 and balanced.get_cat_ids(1) == [0]
    assert RepeatDataset(_items([3]), 2).get_cat_ids(1) == [0]


def test_concat_argument_errors():
    with pytest.raises(TypeError, match='ignore_keys must be a list or a str'):
        ConcatDataset([_items([0])], ignore_keys=3)
    with pytest.raises(TypeError, match=r'datasets\[1\] must be a dataset config dict'):
        ConcatDataset([_items([0]), [1]])
    with pytest.raises(ValueError, match='at least one dataset'):
        ConcatDataset([])


@pytest.mark.parametrize('wrapper', [
    lambda d: ConcatDataset([d]), lambda d: RepeatDataset(d, 2),
    lambda d: ClassBalancedDataset(d, 0.5)])
def test_wrappers_refuse_subsets(wrapper):
    dataset = wrapper(_items([0, 1]))
    for method in (dataset.get_subset, dataset.get_subset_):
        with pytest.raises(NotImplementedError, match='take the subset of the wrapped dataset'):
            method(1)


def test_repeat_dataset():
    repeat = RepeatDataset(_items([0, 1, 2]), times=3)
    assert len(repeat) == 9
    assert [repeat[i]['v'] for i in range(9)] == [0, 1, 2] * 3
    assert repeat.get_data_info(4)['v'] == 1
    assert repeat.metainfo == dict(k=1)
    lazy = DATASETS.build(dict(type='RepeatDataset', dataset=_items([5]), times=2,
                               lazy_init=True))
    assert not lazy._fully_initialized
    assert lazy[1]['v'] == 5 and lazy._fully_initialized
    with pytest.raises(TypeError, match='RepeatDataset.dataset must be a dataset config'):
        RepeatDataset('nope', 2)


def test_class_balanced_repeat_factors():
    # category 0 in all 4 samples, category 1 in one, category 2 in two, sample 3 has none.
    cats = [[0, 1], [0, 2], [0, 2], []]
    dataset = ListDataset([dict(v=i, cat_ids=c) for i, c in enumerate(cats)])
    balanced = ClassBalancedDataset(dataset, oversample_thr=0.5)
    freq = {0: 3 / 4, 1: 1 / 4, 2: 2 / 4}
    rep = {c: max(1.0, math.sqrt(0.5 / f)) for c, f in freq.items()}
    factors = [max(rep[0], rep[1]), max(rep[0], rep[2]), max(rep[0], rep[2]), 1.0]
    assert balanced._get_repeat_factors(dataset, 0.5) == factors
    expected = [i for i, f in enumerate(factors) for _ in range(math.ceil(f))]
    assert balanced.repeat_indices == expected == [0, 0, 1, 2, 3]
    assert len(balanced) == 5
    assert [balanced[i]['v'] for i in range(5)] == expected
    assert balanced.get_cat_ids(1) == [0, 1]
    assert balanced.get_data_info(4)['v'] == 3


def test_class_balanced_from_config_needs_get_cat_ids(ann_file):
    cfg = dict(type='ClassBalancedDataset', oversample_thr=0.1,
               dataset=dict(type='_WrapperTestToyDataset', ann_file=str(ann_file)))
    assert len(DATASETS.build(cfg)) == 6  # every category is frequent enough
    with pytest.raises(NotImplementedError, match='must implement get_cat_ids'):
        ClassBalancedDataset(BaseDataset(ann_file=str(ann_file)), oversample_thr=0.1)
