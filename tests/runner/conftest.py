"""A registered toy classifier, dataset and metric for the Runner tests."""
from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.evaluator import BaseMetric
from mmlightning.model import BaseModel
from mmlightning.registry import DATASETS, METRICS, MODELS


class RunnerPoints(torch.utils.data.Dataset):
    def __init__(self, size: int = 12, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.points = torch.randn(size, 4, generator=generator)
        self.labels = (self.points.sum(1) > 0).long()

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=self.labels[index])


class RunnerClassifier(BaseModel):
    def __init__(self, hidden: int = 6, data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        logits = self.net(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
        return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


class RunnerAccuracy(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=sum(results) / len(results))


@pytest.fixture(autouse=True)
def registered():
    for registry, cls in ((MODELS, RunnerClassifier), (DATASETS, RunnerPoints),
                          (METRICS, RunnerAccuracy)):
        registry.register_module(module=cls, force=True)
    yield
    for registry, cls in ((MODELS, RunnerClassifier), (DATASETS, RunnerPoints),
                          (METRICS, RunnerAccuracy)):
        registry._module_dict.pop(cls.__name__, None)


@pytest.fixture
def experiment(tmp_path) -> dict:
    return dict(
        model=dict(type='RunnerClassifier'),
        work_dir=str(tmp_path / 'work'),
        train_dataloader=dict(dataset=dict(type='RunnerPoints'), batch_size=4,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        val_dataloader=dict(dataset=dict(type='RunnerPoints', seed=1), batch_size=4,
                            sampler=dict(type='DefaultSampler', shuffle=False)),
        test_dataloader=dict(dataset=dict(type='RunnerPoints', seed=2), batch_size=4,
                             sampler=dict(type='DefaultSampler', shuffle=False)),
        val_evaluator=dict(type='RunnerAccuracy'),
        test_evaluator=dict(type='RunnerAccuracy'),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        randomness=dict(seed=0),
        trainer=dict(enable_progress_bar=False),
    )
