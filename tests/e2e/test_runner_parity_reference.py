"""Reference: one experiment run by MMEngine's Runner and by ours gives the same numbers.

SGD with momentum and weight decay, ``paramwise_cfg``, ``clip_grad``,
``accumulative_counts=2``, an iteration-based warm-up then an epoch-based step
schedule, BatchNorm, validation every epoch. Per-iteration losses agree to 1e-5
(relative), learning rates exactly, validation metrics exactly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

mmengine_runner = pytest.importorskip('mmengine.runner')
mmengine_model = pytest.importorskip('mmengine.model')
mmengine_evaluator = pytest.importorskip('mmengine.evaluator')

from mmlightning.evaluator import BaseMetric  # noqa: E402
from mmlightning.model import BaseModel  # noqa: E402
from mmlightning.runner import Runner  # noqa: E402


class PointsDataset(torch.utils.data.Dataset):
    """Fixed random points; the label says whether their coordinates sum above zero."""

    def __init__(self, size: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.points = torch.randn(size, 4, generator=generator)
        self.labels = (self.points.sum(1) > 0).long()

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return dict(inputs=self.points[index], data_samples=self.labels[index])


def classifier(base: type) -> type:
    """The same small classifier (with BatchNorm) on top of either library's BaseModel."""

    class Classifier(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                     nn.Linear(8, 2))
            self.record: list[tuple[float, list[float]]] = []

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
            logits = self.net(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            if mode == 'predict':
                return [dict(pred=int(p), gt=int(g))
                        for p, g in zip(logits.argmax(1), data_samples)]
            return logits

        def train_step(self, data: Any, optim_wrapper: Any) -> Any:
            log_vars = super().train_step(data, optim_wrapper)
            self.record.append((float(log_vars['loss']), list(optim_wrapper.get_lr()['lr'])))
            return log_vars

    return Classifier


def accuracy(base: type, seen: list[dict]) -> Any:
    class Accuracy(base):  # type: ignore[misc, valid-type]
        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

        def compute_metrics(self, results: list) -> dict:
            metrics = dict(acc=sum(results) / len(results), n=len(results))
            seen.append(metrics)
            return metrics

    return Accuracy()


def experiment(work_dir: Path, metric: Any) -> dict[str, Any]:
    return dict(
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=PointsDataset(40, seed=0), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        val_dataloader=dict(dataset=PointsDataset(18, seed=1), batch_size=4,
                            sampler=dict(type='DefaultSampler', shuffle=False)),
        val_evaluator=[metric],
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
            accumulative_counts=2, clip_grad=dict(max_norm=1.0),
            paramwise_cfg=dict(norm_decay_mult=0.0, bias_lr_mult=2.0)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=6),
            dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)],
        randomness=dict(seed=0),
    )


def test_same_losses_lrs_and_metrics_as_mmengine(tmp_path: Path) -> None:
    torch.manual_seed(0)
    ours_model = classifier(BaseModel)()
    theirs_model = classifier(mmengine_model.BaseModel)()
    theirs_model.load_state_dict(ours_model.state_dict())

    theirs_metrics: list[dict] = []
    mmengine_runner.Runner(model=theirs_model, **experiment(
        tmp_path / 'mmengine', accuracy(mmengine_evaluator.BaseMetric, theirs_metrics))).train()
    ours_metrics: list[dict] = []
    runner = Runner(model=ours_model, trainer=dict(enable_progress_bar=False), **experiment(
        tmp_path / 'ours', accuracy(BaseMetric, ours_metrics)))
    runner.train()

    assert len(ours_model.record) == len(theirs_model.record) == 30
    for step, ((ours_loss, ours_lr), (theirs_loss, theirs_lr)) in enumerate(
            zip(ours_model.record, theirs_model.record)):
        assert ours_lr == theirs_lr, f'iteration {step}'
        assert ours_loss == pytest.approx(theirs_loss, rel=1e-5), f'iteration {step}'
    assert ours_metrics == theirs_metrics and len(ours_metrics) == 3
    for ours_param, theirs_param in zip(ours_model.state_dict().values(),
                                        theirs_model.state_dict().values()):
        torch.testing.assert_close(ours_param, theirs_param, rtol=1e-5, atol=1e-6)
    assert runner.iter == 30 and runner.epoch == 3
