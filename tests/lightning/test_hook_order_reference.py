"""Reference: hooks are called at the same points, with the same epoch/iter, as in MMEngine."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

mmengine_runner = pytest.importorskip('mmengine.runner')
mmengine_hooks = pytest.importorskip('mmengine.hooks')
mmengine_model = pytest.importorskip('mmengine.model')
mmengine_evaluator = pytest.importorskip('mmengine.evaluator')

from mmlightning.evaluator import BaseMetric  # noqa: E402
from mmlightning.hooks import Hook  # noqa: E402
from mmlightning.model import BaseModel  # noqa: E402
from mmlightning.model.checkpoint import allow_checkpoint_globals  # noqa: E402
from mmlightning.runner import Runner  # noqa: E402

POINTS = [p for p in Hook.stages if p not in ('before_save_checkpoint', 'after_load_checkpoint')]


class Points(torch.utils.data.Dataset):
    def __init__(self, size: int) -> None:
        self.points = torch.randn(size, 4, generator=torch.Generator().manual_seed(size))

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=torch.tensor(index % 2))


def model_on(base: type) -> nn.Module:
    class Model(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
            logits = self.linear(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return [dict(pred=int(p)) for p in logits.argmax(1)]

    return Model()


def metric_on(base: type) -> Any:
    class Count(base):  # type: ignore[misc, valid-type]
        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(s['pred'] for s in data_samples)

        def compute_metrics(self, results: list) -> dict:
            return dict(count=len(results))

    return Count()


def recorder_on(base: type, calls: list) -> Any:
    def make(point: str):
        def record(self, runner, *args, **kwargs):
            calls.append((point, runner.epoch, runner.iter, kwargs.get('batch_idx')))
        return record

    return type('Recorder', (base,), {point: make(point) for point in POINTS})()


def config(work_dir: Path, by_epoch: bool, metric: Any, recorder: Any) -> dict:
    train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1) if by_epoch else \
        dict(by_epoch=False, max_iters=5, val_interval=2)
    loader = dict(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False))
    return dict(
        work_dir=str(work_dir), train_dataloader=dict(dataset=Points(6), **loader),
        val_dataloader=dict(dataset=Points(3), **loader), val_evaluator=[metric],
        test_dataloader=dict(dataset=Points(4), **loader), test_evaluator=[metric],
        train_cfg=train_cfg, val_cfg=dict(), test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)), custom_hooks=[recorder],
        default_hooks=dict(checkpoint=None), randomness=dict(seed=0))


def run(runner_cls: type, model_base: type, metric_base: type, hook_base: type,
        work_dir: Path, by_epoch: bool, extra: dict) -> list:
    calls: list = []
    runner = runner_cls(model=model_on(model_base), **{**config(
        work_dir, by_epoch, metric_on(metric_base), recorder_on(hook_base, calls)), **extra})
    runner.train()
    runner.test()
    return calls


@pytest.mark.parametrize('by_epoch', [True, False], ids=['epoch-based', 'iter-based'])
def test_same_hook_calls_as_mmengine(by_epoch: bool, tmp_path: Path) -> None:
    theirs = run(mmengine_runner.Runner, mmengine_model.BaseModel, mmengine_evaluator.BaseMetric,
                 mmengine_hooks.Hook, tmp_path / 'mmengine', by_epoch, {})
    ours = run(Runner, BaseModel, BaseMetric, Hook, tmp_path / 'ours', by_epoch,
               dict(trainer=dict(enable_progress_bar=False)))
    assert ours == theirs
    assert ('after_val_epoch', 1, 3, None) in ours if by_epoch else \
        ('after_val_epoch', 0, 4, None) in ours


@pytest.mark.parametrize('by_epoch', [True, False], ids=['epoch-based', 'iter-based'])
def test_same_hook_calls_after_a_resume_as_mmengine(by_epoch: bool, tmp_path: Path) -> None:
    """A run resumed from its last checkpoint: Lightning skips ``on_train_epoch_start`` of
    the first epoch after an epoch-end checkpoint, MMEngine starts it."""
    longer = dict(train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1) if by_epoch
                  else dict(by_epoch=False, max_iters=7, val_interval=2))
    checkpoint = dict(checkpoint=dict(type='CheckpointHook', interval=1 if by_epoch else 2,
                                      by_epoch=by_epoch))
    calls = {}
    for name, runner_cls, bases, extra in (
            ('mmengine', mmengine_runner.Runner, (mmengine_model.BaseModel,
             mmengine_evaluator.BaseMetric, mmengine_hooks.Hook), {}),
            ('ours', Runner, (BaseModel, BaseMetric, Hook),
             dict(trainer=dict(enable_progress_bar=False)))):
        run(runner_cls, *bases, tmp_path / name, by_epoch, dict(extra, default_hooks=checkpoint))
        with allow_checkpoint_globals():  # MMEngine 0.10.7 cannot load its own on torch >= 2.6
            calls[name] = run(runner_cls, *bases, tmp_path / name, by_epoch,
                              dict(extra, default_hooks=checkpoint, resume=True, **longer))
    assert calls['ours'] == calls['mmengine']
    assert ('before_train_epoch', 2, 6, None) in calls['ours'] if by_epoch else True
