"""Stopped and resumed training ends bitwise equal to uninterrupted training (CPU).

A model with dropout, AdamW with a linear warm-up then cosine annealing; an
iteration-based run resumed from the middle of an epoch, and an epoch-based run
resumed at an epoch boundary. The checkpoint carries the sampler position and
the RNG states, so nothing is replayed and dropout draws the same masks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.model import BaseModel
from mmlightning.registry import MODELS
from mmlightning.runner import Runner


class DropoutClassifier(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        logits = self.net(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
        return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


@pytest.fixture(autouse=True)
def registered_dropout_model():
    MODELS.register_module(module=DropoutClassifier, force=True)
    yield
    MODELS._module_dict.pop('DropoutClassifier', None)


def experiment(work_dir: Path, by_epoch: bool, num_workers: int = 0,
               sampler: str = 'DefaultSampler', **extra: Any) -> dict:
    schedule = dict(by_epoch=True, max_epochs=3) if by_epoch else \
        dict(by_epoch=False, max_iters=10)
    return dict(
        model=dict(type='DropoutClassifier'), work_dir=str(work_dir),
        train_dataloader=dict(dataset=dict(type='RunnerPoints', size=16), batch_size=4,
                              num_workers=num_workers, sampler=dict(type=sampler, shuffle=True)),
        train_cfg=schedule,
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2, weight_decay=1e-2)),
        param_scheduler=[dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4),
                         dict(type='CosineAnnealingLR', by_epoch=False, begin=4, end=12,
                              eta_min=1e-4)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=by_epoch,
                                           interval=1 if by_epoch else 3),
                           logger=dict(type='LoggerHook', interval=100)),
        randomness=dict(seed=0), trainer=dict(enable_progress_bar=False), **extra)


def weights(runner: Runner) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.mark.parametrize('by_epoch, resume_from, num_workers, sampler', [
    (False, 'iter_6.ckpt', 0, 'DefaultSampler'), (True, 'epoch_2.ckpt', 0, 'DefaultSampler'),
    (False, 'iter_6.ckpt', 2, 'DefaultSampler'), (False, 'iter_6.ckpt', 2, 'InfiniteSampler')],
    ids=['iteration-based, mid-epoch', 'epoch-based, epoch boundary',
         'iteration-based, mid-epoch, 2 workers prefetching',
         'InfiniteSampler, mid-epoch, 2 workers prefetching'])
def test_resume_is_bitwise_exact(by_epoch: bool, resume_from: str, num_workers: int,
                                 sampler: str, tmp_path: Path) -> None:
    uninterrupted = Runner(**experiment(tmp_path / 'full', by_epoch, num_workers, sampler))
    uninterrupted.train()
    checkpoint = tmp_path / 'full' / resume_from
    assert checkpoint.is_file()
    # the position of the batches trained, not of those the workers fetched ahead
    saved = torch.load(checkpoint, weights_only=True)['MMDataModule']['train_sampler']
    trained = 16 if by_epoch else (6 if sampler == 'InfiniteSampler' else 2) * 4
    assert saved['num_yielded'] == trained  # DefaultSampler: in this epoch; Infinite: in all
    resumed = Runner(**experiment(tmp_path / 'resumed', by_epoch, num_workers, sampler,
                                  resume=str(checkpoint)))
    resumed.train()
    assert resumed.iter == uninterrupted.iter
    expected, got = weights(uninterrupted), weights(resumed)
    for name in expected:
        assert torch.equal(got[name], expected[name]), name
    assert resumed.module.optim_wrapper.get_lr() == uninterrupted.module.optim_wrapper.get_lr()


def test_workers_prefetching_ahead_change_no_batch(tmp_path: Path) -> None:
    """With an InfiniteSampler, Lightning's new iterator each epoch would drop the indices
    the workers fetched ahead; the sampler rewinds, so 2 workers train on the batches one
    process does (MMEngine's single iterator)."""
    trained = []
    for num_workers in (0, 2):
        runner = Runner(**experiment(tmp_path / str(num_workers), False, num_workers,
                                     'InfiniteSampler'))
        runner.train()
        trained.append(weights(runner))
    for name in trained[0]:
        assert torch.equal(trained[1][name], trained[0][name]), name
