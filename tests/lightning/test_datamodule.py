"""MMDataModule on its own: lazy building, seeds, missing stages, datasets, sampler state."""
from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
from lightning.pytorch import LightningDataModule
from lightning.pytorch.utilities.model_helpers import is_overridden
from torch.utils.data import DataLoader, SequentialSampler

from mmlightning.config import Config
from mmlightning.dataset import DefaultSampler, default_collate
from mmlightning.lightning import MMDataModule
from mmlightning.lightning import datamodule as datamodule_module


def loader_cfg(size: int = 10, shuffle: bool = True, **kwargs) -> dict:
    cfg = dict(dataset=dict(type='_LightningTestNumbers', size=size),
               sampler=dict(type='DefaultSampler', shuffle=shuffle), batch_size=2)
    cfg.update(kwargs)
    return cfg


def test_loaders_are_built_lazily_and_once(numbers_dataset):
    dm = MMDataModule(train_dataloader=loader_cfg(), val_dataloader=loader_cfg(shuffle=False))
    assert numbers_dataset.num_built == 0
    loader = dm.train_dataloader()
    assert numbers_dataset.num_built == 1
    assert dm.train_dataloader() is loader
    assert numbers_dataset.num_built == 1
    assert isinstance(loader.sampler, DefaultSampler) and loader.batch_size == 2
    assert next(iter(dm.val_dataloader())) == dict(x=[0.0, 1.0], sample_idx=[0, 1])
    assert numbers_dataset.num_built == 2


def test_loader_is_rebuilt_when_rank_or_world_size_changed(numbers_dataset, monkeypatch):
    dm = MMDataModule(train_dataloader=loader_cfg())
    first = dm.train_dataloader()
    monkeypatch.setattr(datamodule_module, 'get_dist_info', lambda: (0, 2))
    second = dm.train_dataloader()
    assert second is not first and numbers_dataset.num_built == 2
    assert dm.train_dataloader() is second


def test_dataset_instance_and_dataloader_instance(numbers_dataset):
    dataset = numbers_dataset(size=4)
    loader = DataLoader(list(range(3)))
    dm = MMDataModule(train_dataloader=dict(dataset=dataset, batch_size=4,
                                            collate_fn=dict(type='default_collate')),
                      test_dataloader=loader)
    batch = next(iter(dm.train_dataloader()))
    assert batch['sample_idx'].tolist() == [0, 1, 2, 3]  # DefaultSampler(shuffle=False)
    assert numbers_dataset.num_built == 1
    assert dm.test_dataloader() is loader
    assert dm.test_dataset == [0, 1, 2]


def test_seed_reaches_sampler_and_workers():
    dm = MMDataModule(train_dataloader=loader_cfg(num_workers=2), seed=7)
    loader = dm.train_dataloader()
    assert loader.sampler.seed == 7
    assert loader.worker_init_fn.keywords == dict(num_workers=2, rank=0, seed=7,
                                                  disable_subprocess_warning=False)


def test_diff_rank_seed_adds_rank_and_draws_a_shared_sampler_seed(monkeypatch):
    monkeypatch.setattr(datamodule_module, 'get_dist_info', lambda: (3, 4))
    np.random.seed(0)
    expected_sampler_seed = int(np.random.RandomState(0).randint(2**31))
    dm = MMDataModule(train_dataloader=loader_cfg(num_workers=2), seed=7, diff_rank_seed=True)
    loader = dm.train_dataloader()
    assert loader.worker_init_fn.keywords['seed'] == 10
    assert loader.sampler.seed == expected_sampler_seed


def test_without_seed_workers_are_left_to_pytorch_or_lightning():
    loader = MMDataModule(train_dataloader=loader_cfg(num_workers=2)).train_dataloader()
    assert loader.worker_init_fn is None
    assert isinstance(loader.sampler.seed, int)


def test_from_cfg_reads_top_level_keys_and_randomness(numbers_dataset):
    cfg = dict(model=dict(type='Anything'), train_dataloader=loader_cfg(size=6),
               test_dataloader=loader_cfg(size=3, shuffle=False),
               randomness=dict(seed=5, diff_rank_seed=False, deterministic=True))
    dm = MMDataModule.from_cfg(cfg)
    assert (dm.seed, dm.diff_rank_seed) == (5, False)
    assert len(dm.train_dataset) == 6 and len(dm.test_dataset) == 3
    assert dm.train_dataloader().sampler.seed == 5
    assert dm.val_dataset is None


def test_from_cfg_errors():
    with pytest.raises(TypeError, match='needs a Config or a dict, got int'):
        MMDataModule.from_cfg(3)
    with pytest.raises(TypeError, match='randomness must be a dict'):
        MMDataModule.from_cfg(dict(randomness=0))
    with pytest.raises(TypeError, match="unknown key 'sed'.*Did you mean 'seed'"):
        MMDataModule.from_cfg(dict(randomness=dict(sed=1)))


def test_constructor_type_errors():
    with pytest.raises(TypeError, match='val_dataloader must be a dataloader config.*list'):
        MMDataModule(val_dataloader=[1, 2])
    with pytest.raises(TypeError, match="seed must be an int or None, got str: '1'"):
        MMDataModule(seed='1')


def test_missing_stage_is_undefined_for_lightning_and_says_which_key():
    dm = MMDataModule(train_dataloader=loader_cfg())
    assert is_overridden('train_dataloader', dm, LightningDataModule)
    assert not is_overridden('val_dataloader', dm, LightningDataModule)
    assert not is_overridden('test_dataloader', dm, LightningDataModule)
    with pytest.raises(RuntimeError, match='no val_dataloader config.*val_dataloader=dict'):
        dm.val_dataloader()
    with pytest.raises(RuntimeError, match='no test_dataloader config'):
        dm.test_dataloader()


def test_build_error_names_the_stage():
    dm = MMDataModule(train_dataloader=dict(batch_size=2))
    with pytest.raises(KeyError, match='has no "dataset" key') as info:
        dm.train_dataloader()
    assert 'while building train_dataloader of MMDataModule' in info.value.__notes__


def test_datasets_and_dataset_meta(numbers_dataset):
    dm = MMDataModule(train_dataloader=loader_cfg(), val_dataloader=loader_cfg(shuffle=False))
    assert dm.train_dataset is dm.train_dataloader().dataset
    assert isinstance(dm.val_dataset, numbers_dataset)
    assert dm.test_dataset is None
    assert dm.dataset_meta == dict(classes=('even', 'odd'))
    only_test = MMDataModule(test_dataloader=loader_cfg(
        dataset=dict(type='_LightningTestNumbers', metainfo=dict(classes=('a',)))))
    assert only_test.dataset_meta == dict(classes=('a',))
    plain = MMDataModule(train_dataloader=DataLoader(list(range(4))))
    assert plain.dataset_meta is None


def take(loader: DataLoader, num_batches: int) -> list[int]:
    return [idx for batch in itertools.islice(loader, num_batches)
            for idx in batch['sample_idx']]


def test_state_dict_restores_the_position_before_or_after_building():
    dm = MMDataModule(train_dataloader=loader_cfg(), seed=1)
    assert dm.state_dict() == {}
    loader = dm.train_dataloader()
    loader.sampler.set_epoch(2)
    full_order = list(loader.sampler)
    assert take(loader, 2) == full_order[:4]
    state = dm.state_dict()
    assert state == dict(train_sampler=dict(epoch=2, seed=1, num_yielded=4, world_size=1))

    before = MMDataModule(train_dataloader=loader_cfg())
    before.load_state_dict(state)
    assert before.state_dict() == state  # still pending, and saved as such
    assert take(before.train_dataloader(), 10) == full_order[4:]

    after = MMDataModule(train_dataloader=loader_cfg())
    after_loader = after.train_dataloader()
    after.load_state_dict(state)
    assert take(after_loader, 10) == full_order[4:]


def test_state_dict_through_a_batch_sampler():
    cfg = loader_cfg(batch_sampler=dict(type='_LightningTestBatchSampler', drop_last=False))
    dm = MMDataModule(train_dataloader=cfg, seed=1)
    loader = dm.train_dataloader()
    assert isinstance(loader.sampler, SequentialSampler)
    take(loader, 1)
    assert dm.state_dict()['train_sampler']['num_yielded'] == 2


def test_load_state_dict_errors():
    dm = MMDataModule(train_dataloader=loader_cfg())
    with pytest.raises(KeyError, match=r"unknown keys \['sampler'\]"):
        dm.load_state_dict(dict(sampler={}))
    plain = MMDataModule(train_dataloader=dict(dataset=list(range(4)),
                                               sampler=SequentialSampler(range(4)),
                                               collate_fn=default_collate))
    plain.train_dataloader()
    assert plain.state_dict() == {}
    with pytest.raises(TypeError, match='SequentialSampler has no state_dict'):
        plain.load_state_dict(dict(train_sampler=dict(epoch=0, seed=0, num_yielded=1)))
    dm.load_state_dict({})
    assert dm.state_dict() == {}


def test_pickles_with_missing_stages_and_built_loaders():
    """ddp_spawn pickles the datamodule into each process."""
    dm = MMDataModule(train_dataloader=loader_cfg(), seed=2)
    dm.train_dataloader()
    copy = pickle.loads(pickle.dumps(dm))
    assert not is_overridden('val_dataloader', copy, LightningDataModule)
    assert list(copy.train_dataloader().sampler) == list(dm.train_dataloader().sampler)
    with pytest.raises(RuntimeError, match='no val_dataloader config'):
        copy.val_dataloader()


def test_from_cfg_accepts_a_config(numbers_dataset):
    cfg = Config(dict(train_dataloader=loader_cfg(size=4), randomness=dict(seed=9)))
    dm = MMDataModule.from_cfg(cfg)
    assert dm.seed == 9
    assert sorted(dm.train_dataloader().sampler) == [0, 1, 2, 3]
