"""build_dataloader: MMEngine's Runner.build_dataloader rules."""
from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from functools import partial

import numpy as np
import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader

from mmlightning.dataset import (
    BaseDataset,
    DefaultSampler,
    build_dataloader,
    default_collate,
    worker_init_fn,
)
from mmlightning.dataset import builder as builder_module
from mmlightning.dataset import sampler as sampler_module
from mmlightning.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS


@DATASETS.register_module(name='_BuilderTestDataset', force=True)
class NumbersDataset(BaseDataset):
    def __init__(self, size: int = 8, **kwargs) -> None:
        self.size = size
        super().__init__(data_prefix={}, **kwargs)

    def load_data_list(self) -> list[dict]:
        return [dict(x=float(i)) for i in range(self.size)]


DATA_SAMPLERS.register_module(name='_BuilderTestBatchSampler', force=True, module=BatchSampler)


def _random_number(results: dict) -> dict:
    return dict(x=results['x'], noise=float(np.random.rand()))


@FUNCTIONS.register_module(name='_builder_test_collate', force=True)
def scaled_collate(batch, scale=1):
    return [item['x'] * scale for item in batch]


def test_dataset_config_sampler_and_pseudo_collate_default():
    cfg = dict(dataset=dict(type='_BuilderTestDataset', size=5, lazy_init=True),
               sampler=dict(type='DefaultSampler', shuffle=False), batch_size=2)
    original = copy.deepcopy(cfg)
    loader = build_dataloader(cfg, seed=3)
    assert cfg == original
    assert loader.dataset._fully_initialized
    assert isinstance(loader.sampler, DefaultSampler) and loader.sampler.seed == 3
    batches = list(loader)
    assert batches[0] == dict(x=[0.0, 1.0], sample_idx=[0, 1])
    assert len(batches) == 3 and loader.batch_size == 2


def test_missing_sampler_defaults_to_default_sampler_with_shuffle_from_cfg():
    loader = build_dataloader(dict(dataset=NumbersDataset(4), batch_size=4), seed=0)
    assert isinstance(loader.sampler, DefaultSampler) and not loader.sampler.shuffle
    shuffled = build_dataloader(dict(dataset=NumbersDataset(4), batch_size=4, shuffle=True),
                                seed=0)
    assert shuffled.sampler.shuffle


def test_batch_sampler_config_takes_the_batch_size():
    loader = build_dataloader(dict(
        dataset=NumbersDataset(5), sampler=dict(type='DefaultSampler', shuffle=False),
        batch_sampler=dict(type='_BuilderTestBatchSampler', drop_last=True), batch_size=2),
        seed=0)
    assert isinstance(loader.batch_sampler, BatchSampler)
    assert isinstance(loader.batch_sampler.sampler, DefaultSampler)
    assert [batch['x'] for batch in loader] == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(KeyError, match='batch_sampler config needs batch_size'):
        build_dataloader(dict(dataset=NumbersDataset(2), sampler=dict(type='DefaultSampler'),
                              batch_sampler=dict(type='_BuilderTestBatchSampler',
                                                 drop_last=False)), seed=0)


def test_collate_fn_configs_and_callables():
    base = dict(dataset=NumbersDataset(4), sampler=dict(type='DefaultSampler', shuffle=False),
                batch_size=4)
    stacked = next(iter(build_dataloader(dict(base, collate_fn=dict(type='default_collate')),
                                         seed=0)))
    assert torch.equal(stacked['x'], torch.tensor([0., 1., 2., 3.], dtype=torch.float64))
    bound = build_dataloader(dict(base, collate_fn=dict(type='_builder_test_collate', scale=2)),
                             seed=0)
    assert isinstance(bound.collate_fn, partial) and next(iter(bound)) == [0., 2., 4., 6.]
    direct = build_dataloader(dict(base, collate_fn=default_collate), seed=0)
    assert direct.collate_fn is default_collate
    by_callable_type = build_dataloader(dict(base, collate_fn=dict(type=scaled_collate)), seed=0)
    assert next(iter(by_callable_type)) == [0., 1., 2., 3.]


def test_collate_fn_errors():
    base = dict(dataset=NumbersDataset(2), sampler=dict(type='DefaultSampler'), batch_size=1)
    with pytest.raises(KeyError, match="'pseudo_colate' is not in .*Did you mean 'pseudo_collate'"):
        build_dataloader(dict(base, collate_fn=dict(type='pseudo_colate')))
    with pytest.raises(TypeError, match='collate_fn must be a dict or a callable, got 3'):
        build_dataloader(dict(base, collate_fn=3), seed=0)
    with pytest.raises(TypeError, match='collate_fn.type must be a registered function name'):
        build_dataloader(dict(base, collate_fn=dict(scale=2)), seed=0)


def test_unknown_sampler_and_dataset_types_surface_registry_errors():
    with pytest.raises(KeyError, match="Did you mean one of 'InfiniteSampler'"):
        build_dataloader(dict(dataset=NumbersDataset(2), sampler=dict(type='InfinitSampler')))
    with pytest.raises(KeyError, match="Did you mean .*'_BuilderTestDataset'"):
        build_dataloader(dict(dataset=dict(type='_BuilderTestDatast'),
                              sampler=dict(type='DefaultSampler')))
    with pytest.raises(KeyError, match='no "dataset" key'):
        build_dataloader(dict(batch_size=2))
    with pytest.raises(TypeError, match='must be a dict or a DataLoader, got list'):
        build_dataloader([1])


def test_worker_init_fn_seeding_rules(monkeypatch):
    base = dict(dataset=NumbersDataset(2), sampler=dict(type='DefaultSampler'), batch_size=1,
                num_workers=2)
    monkeypatch.setattr(builder_module, 'get_dist_info', lambda: (1, 2))
    monkeypatch.setattr(sampler_module, 'get_dist_info', lambda: (1, 2))
    init_fn = build_dataloader(base, seed=5).worker_init_fn
    assert init_fn.func is worker_init_fn
    assert init_fn.keywords == dict(num_workers=2, rank=1, seed=5,
                                    disable_subprocess_warning=False)
    monkeypatch.setattr(sampler_module, 'sync_random_seed', lambda: 77)
    unseeded = build_dataloader(base, seed=None)
    assert unseeded.worker_init_fn is None and unseeded.sampler.seed == 77
    assert build_dataloader(base, seed=5, diff_rank_seed=True).sampler.seed == 77
    custom = build_dataloader(dict(base, worker_init_fn=dict(
        type='worker_init_fn', num_workers=1, rank=0, seed=9)), seed=5).worker_init_fn
    assert custom.keywords == dict(num_workers=1, rank=0, seed=9)
    with pytest.raises(TypeError, match='disable_subprocess_warning must be a bool, got str'):
        build_dataloader(dict(base, disable_subprocess_warning='yes'), seed=1)


def test_seeded_workers_give_reproducible_random_augmentations():
    def run():
        loader = build_dataloader(dict(
            dataset=NumbersDataset(4, pipeline=[_random_number]), batch_size=1, num_workers=2,
            sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=default_collate,
            multiprocessing_context='fork'), seed=11)
        return [batch['noise'].item() for batch in loader]

    first = run()
    assert first == run()
    assert len(set(first)) == 4


def test_num_batch_per_epoch_slices_the_dataset():
    loader = build_dataloader(dict(dataset=NumbersDataset(10), sampler=dict(
        type='DefaultSampler', shuffle=False), batch_size=3, num_batch_per_epoch=2), seed=0)
    assert len(loader.dataset) == 6 and len(loader) == 2
    assert loader.dataset.metainfo == {}
    clone = pickle.loads(pickle.dumps(loader.dataset))  # as sent to spawned workers
    assert len(clone) == 6 and clone[5]['x'] == 5.0
    short = build_dataloader(dict(dataset=NumbersDataset(4), sampler=dict(type='DefaultSampler'),
                                  batch_size=3, num_batch_per_epoch=5), seed=0)
    assert len(short.dataset) == 4
    with pytest.raises(ValueError, match='num_batch_per_epoch needs batch_size'):
        build_dataloader(dict(dataset=NumbersDataset(4), sampler=dict(type='DefaultSampler'),
                              num_batch_per_epoch=1), seed=0)


def test_a_dataloader_is_returned_unchanged():
    loader = DataLoader(NumbersDataset(2))
    assert build_dataloader(loader) is loader


def test_registries_import_the_dataset_package_on_first_lookup():
    code = ('import sys\n'
            'from mmlightning.registry import DATA_SAMPLERS, FUNCTIONS, TRANSFORMS\n'
            'assert "mmlightning.dataset" not in sys.modules\n'
            'assert FUNCTIONS.get("pseudo_collate").__module__ == "mmlightning.dataset.utils"\n'
            'assert DATA_SAMPLERS.get("DefaultSampler") and TRANSFORMS.get("PackInputs")\n')
    subprocess.run([sys.executable, '-c', code], check=True)


def test_without_workers_samples_are_read_from_a_list():
    """serialize_data=True shares a buffer with workers; without workers the list is faster."""
    dataset = dict(type='_BuilderTestDataset', size=5, serialize_data=True)
    in_process = build_dataloader(dict(dataset=dataset, batch_size=2))
    assert not in_process.dataset.serialize_data and len(in_process.dataset.data_list) == 5
    assert not hasattr(in_process.dataset, 'data_bytes')
    assert [in_process.dataset[i] for i in range(5)] == [dict(x=float(i), sample_idx=i)
                                                         for i in range(5)]
    concat = build_dataloader(dict(dataset=dict(type='ConcatDataset', datasets=[dataset] * 2),
                                   batch_size=2))
    assert [inner.serialize_data for inner in concat.dataset.datasets] == [False, False]
    assert len(concat.dataset) == 10

    with_workers = build_dataloader(dict(dataset=dataset, batch_size=2, num_workers=2))
    assert with_workers.dataset.serialize_data and with_workers.dataset.data_list == []
    given = NumbersDataset(size=3, serialize_data=True)  # a dataset the user built: untouched
    assert build_dataloader(dict(dataset=given, batch_size=2)).dataset.serialize_data
