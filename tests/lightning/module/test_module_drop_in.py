"""MMLightningModule.from_cfg + MMDataModule.from_cfg in a user's own Trainer."""
from __future__ import annotations

import csv
from pathlib import Path

import lightning
from lightning.pytorch.callbacks import Callback, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

from mmlightning.config import Config
from mmlightning.evaluator import BaseMetric
from mmlightning.lightning import MMDataModule, MMLightningModule
from mmlightning.registry import METRICS


class DropInAccuracy(BaseMetric):
    def process(self, data_batch, data_samples) -> None:
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=sum(results) / len(results))


class CountBatches(Callback):
    def __init__(self) -> None:
        self.batches = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.batches += 1
        assert 'loss' in outputs


def test_users_trainer_callbacks_and_logger(classifier_cls, points_cls, tmp_path: Path) -> None:
    from mmlightning.registry import DATASETS, MODELS

    MODELS.register_module(name='DropInClassifier', module=classifier_cls, force=True)
    METRICS.register_module(module=DropInAccuracy, force=True)
    DATASETS.register_module(name='DropInPoints', module=points_cls, force=True)
    cfg = Config(dict(
        model=dict(type='DropInClassifier'),
        train_dataloader=dict(dataset=dict(type='DropInPoints', size=16), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        val_dataloader=dict(dataset=dict(type='DropInPoints', size=8, seed=1), batch_size=4,
                            sampler=dict(type='DefaultSampler', shuffle=False)),
        val_evaluator=dict(type='DropInAccuracy'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        param_scheduler=dict(type='StepLR', step_size=1, gamma=0.5),
        randomness=dict(seed=0)))
    counter = CountBatches()
    checkpoints = ModelCheckpoint(dirpath=tmp_path / 'ckpt', monitor='acc', mode='max',
                                  save_top_k=1)
    trainer = lightning.Trainer(
        max_epochs=2, accelerator='cpu', use_distributed_sampler=False,
        num_sanity_val_steps=0, enable_progress_bar=False, enable_model_summary=False,
        logger=CSVLogger(tmp_path, name='logs'), log_every_n_steps=1,
        callbacks=[counter, checkpoints, LearningRateMonitor()])
    module = MMLightningModule.from_cfg(cfg)
    trainer.fit(module, MMDataModule.from_cfg(cfg))
    assert counter.batches == 8 and module.iter == 8
    assert checkpoints.best_model_path and checkpoints.best_model_score is not None
    rows = list(csv.DictReader(open(Path(trainer.logger.log_dir) / 'metrics.csv')))
    assert any(row.get('acc') for row in rows)
    assert any(row.get('train/loss') for row in rows)
    restored = MMLightningModule.from_cfg(cfg)
    lightning.Trainer(max_epochs=3, accelerator='cpu', use_distributed_sampler=False,
                      num_sanity_val_steps=0, enable_progress_bar=False, logger=False,
                      enable_model_summary=False, enable_checkpointing=False).fit(
        restored, MMDataModule.from_cfg(cfg), ckpt_path=checkpoints.best_model_path)
    assert restored.iter == 12
