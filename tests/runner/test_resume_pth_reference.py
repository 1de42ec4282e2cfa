"""A checkpoint written by MMEngine's own Runner resumes under ours as under MMEngine.

One MMEngine run writes the checkpoint; MMEngine and our Runner each resume from it with
the same config (SGD with momentum, an iteration-based warm-up and an epoch-based step),
and a hook records what both see: the counters, the learning rate, the momentum buffers
and the loss history right after the resume, and the losses of the next iterations.
Skipped without mmengine.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from mmlightning.model.checkpoint import allow_checkpoint_globals
from mmlightning.registry import DATASETS, MODELS
from mmlightning.runner import Runner

mme_hooks = pytest.importorskip('mmengine.hooks')
mme_runner = pytest.importorskip('mmengine.runner')


class Recorder(mme_hooks.Hook):
    """An MMEngine hook (our Runner takes MMEngine hooks too) recording the resumed state."""

    def __init__(self) -> None:
        self.resumed: dict[str, Any] = {}
        self.losses: list[float] = []

    def before_train(self, runner: Any) -> None:
        optimizer = runner.optim_wrapper.optimizer
        losses = runner.message_hub.log_scalars.get('train/loss')
        self.resumed = dict(
            epoch=runner.epoch, iter=runner.iter, lr=optimizer.param_groups[0]['lr'],
            momentum=[state['momentum_buffer'].clone() for state in optimizer.state.values()],
            losses=None if losses is None else list(losses.data[0]))

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.losses.append(float(outputs['loss']))


def config(by_epoch: bool, length: int) -> dict:
    schedule = dict(by_epoch=True, max_epochs=length) if by_epoch else \
        dict(by_epoch=False, max_iters=length)
    schedulers = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=4)]
    if by_epoch:
        schedulers.append(dict(type='MultiStepLR', milestones=[3], by_epoch=True))
    return dict(
        train_dataloader=dict(dataset=DATASETS.build(dict(type='RunnerPoints')), batch_size=4,
                              collate_fn=dict(type='pseudo_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=schedule, randomness=dict(seed=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=schedulers,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=by_epoch,
                                           interval=2 if by_epoch else 5),
                           logger=dict(type='LoggerHook', interval=1)))


def mmengine_run(work_dir: Path, model: torch.nn.Module, by_epoch: bool, length: int,
                 resume: str | None = None) -> Recorder:
    recorder = Recorder()
    runner = mme_runner.Runner(model=model, work_dir=str(work_dir), custom_hooks=[recorder],
                               resume=resume is not None, load_from=resume,
                               **config(by_epoch, length))
    with allow_checkpoint_globals():  # MMEngine 0.10.7 cannot pass weights_only=False
        runner.train()
    return recorder


@pytest.mark.parametrize('by_epoch, saved, total', [(True, 'epoch_2.pth', 4),
                                                    (False, 'iter_5.pth', 9)],
                         ids=['epoch-based', 'iteration-based, mid-epoch'])
def test_mmengine_checkpoint_resumes_as_in_mmengine(by_epoch: bool, saved: str, total: int,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # MMEngine's IterBasedTrainLoop sleeps 2 s whenever its dataloader restarts
    monkeypatch.setattr('mmengine.runner.loops.time.sleep', lambda seconds: None)
    torch.manual_seed(0)
    model = MODELS.build(dict(type='RunnerClassifier'))
    mmengine_run(tmp_path / 'mme', model, by_epoch, 2 if by_epoch else 5)
    checkpoint = str(tmp_path / 'mme' / saved)
    theirs = mmengine_run(tmp_path / 'mme_resumed', MODELS.build(dict(type='RunnerClassifier')),
                          by_epoch, total, resume=checkpoint)
    ours = Recorder()
    cfg = config(by_epoch, total)
    cfg['train_dataloader']['dataset'] = dict(type='RunnerPoints')
    Runner(model=dict(type='RunnerClassifier'), work_dir=str(tmp_path / 'ours'),
           resume=checkpoint, custom_hooks=[ours], trainer=dict(enable_progress_bar=False),
           **cfg).train()
    expected, got = theirs.resumed, ours.resumed
    assert (got['epoch'], got['iter']) == (expected['epoch'], expected['iter']) == \
        ((2, 6) if by_epoch else (0, 5))
    assert got['lr'] == expected['lr']
    assert got['losses'] == expected['losses'] and len(got['losses']) == expected['iter']
    for mine, reference in zip(got['momentum'], expected['momentum'], strict=True):
        assert torch.equal(mine, reference)
    assert len(ours.losses) == len(theirs.losses) == (6 if by_epoch else 4)
    assert ours.losses == theirs.losses
