"""MMDataModule inside a real lightning.Trainer on one CPU process."""
from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch

from mmlightning.dataset import DefaultSampler
from mmlightning.lightning import MMDataModule


def loader_cfg(size: int = 10, shuffle: bool = True) -> dict:
    return dict(dataset=dict(type='_LightningTestNumbers', size=size),
                sampler=dict(type='DefaultSampler', shuffle=shuffle), batch_size=4)


def expected_order(size: int, seed: int, epoch: int) -> list[int]:
    sampler = DefaultSampler(list(range(size)), shuffle=True, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)


def test_fit_follows_default_sampler_and_reshuffles_each_epoch(
        numbers_dataset, index_recorder, make_trainer):
    dm = MMDataModule(train_dataloader=loader_cfg(), val_dataloader=loader_cfg(shuffle=False),
                      seed=3)
    module = index_recorder()
    trainer = make_trainer(max_epochs=3, reload_dataloaders_every_n_epochs=1)
    trainer.fit(module, datamodule=dm)
    assert module.train_seen == {epoch: expected_order(10, 3, epoch) for epoch in range(3)}
    assert len({tuple(order) for order in module.train_seen.values()}) == 3
    assert module.sampler_epochs == [0] * 3 + [1] * 3 + [2] * 3
    assert module.val_seen == {epoch: list(range(10)) for epoch in range(3)}
    assert numbers_dataset.num_built == 2  # one train, one val: reloads reuse them
    assert trainer.train_dataloader is dm.train_dataloader()


def test_fit_without_val_config_skips_validation(index_recorder, make_trainer):
    dm = MMDataModule(train_dataloader=loader_cfg(), seed=0)
    module = index_recorder()
    trainer = make_trainer(max_epochs=1)
    with pytest.warns(UserWarning, match='no `val_dataloader`. Skipping val loop'):
        trainer.fit(module, datamodule=dm)
    assert sorted(module.train_seen[0]) == list(range(10))
    assert module.val_seen == {}
    with pytest.raises(RuntimeError, match='no val_dataloader config'):
        trainer.validate(module, datamodule=dm)


def test_test_stage_uses_test_config(index_recorder, make_trainer):
    seen: list[int] = []

    class Tested(index_recorder):
        def test_step(self, batch: dict, batch_idx: int) -> None:
            seen.extend(batch['sample_idx'])

    dm = MMDataModule(test_dataloader=loader_cfg(size=6, shuffle=False))
    make_trainer().test(Tested(), datamodule=dm)
    assert seen == list(range(6))


def test_trainer_with_distributed_sampler_is_refused(index_recorder, make_trainer):
    dm = MMDataModule(train_dataloader=loader_cfg())
    trainer = make_trainer(use_distributed_sampler=True)
    with pytest.raises(ValueError, match=r'Pass Trainer\(use_distributed_sampler=False\)'):
        trainer.fit(index_recorder(), datamodule=dm)


class SaveAtStep(L.Callback):
    """Save a checkpoint at the end of one training batch (mid-epoch)."""

    def __init__(self, step: int, path: Path) -> None:
        self.step = step
        self.path = path

    def on_train_batch_end(self, trainer: L.Trainer, *args: object) -> None:
        if trainer.global_step == self.step:
            trainer.save_checkpoint(self.path)


def test_mid_epoch_checkpoint_saves_the_sampler_position_and_resume_continues_it(
        tmp_path, index_recorder, make_trainer):
    ckpt_path = tmp_path / 'mid_epoch.ckpt'
    first = index_recorder()
    trainer = make_trainer(max_epochs=2, callbacks=[SaveAtStep(4, ckpt_path)])
    trainer.fit(first, datamodule=MMDataModule(train_dataloader=loader_cfg(), seed=3))
    state = torch.load(ckpt_path, weights_only=True)['MMDataModule']['train_sampler']
    # 3 batches of 4 per epoch: step 4 is the first batch of epoch 1
    assert (state['epoch'], state['seed'], state['num_yielded']) == (1, 3, 4)

    resumed = index_recorder()
    dm = MMDataModule(train_dataloader=loader_cfg())  # the seed comes from the checkpoint
    with pytest.warns(UserWarning, match='ended before the epoch ended'):
        make_trainer(max_epochs=2).fit(resumed, datamodule=dm, ckpt_path=ckpt_path)
    assert resumed.train_seen == {1: first.train_seen[1][4:]}
    assert first.train_seen[1] == expected_order(10, 3, 1)


def test_fit_without_train_config_says_which_key(index_recorder, make_trainer):
    dm = MMDataModule(val_dataloader=loader_cfg(shuffle=False))
    with pytest.raises(RuntimeError, match='no train_dataloader config'):
        make_trainer().fit(index_recorder(), datamodule=dm)
