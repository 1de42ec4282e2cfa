"""Fixtures for running hooks in a real (tiny) Runner: a 4-feature, 2-class problem."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.evaluator import BaseMetric
from mmlightning.model import BaseModel
from mmlightning.runner import Runner


class Points(torch.utils.data.Dataset):
    """``size`` random 4-d points labelled by index parity."""

    metainfo = dict(classes=('even', 'odd'))

    def __init__(self, size: int) -> None:
        self.points = torch.randn(size, 4, generator=torch.Generator().manual_seed(size))

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=torch.tensor(index % 2))


class LinearClassifier(BaseModel):
    """A linear layer trained with cross-entropy; predictions are dicts with ``pred``."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        logits = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
        return [dict(pred=int(p)) for p in logits.argmax(1)]


class Accuracy(BaseMetric):
    """Accuracy of the ``pred`` against the parity label (key ``acc``)."""

    default_prefix = ''

    def process(self, data_batch: Any, data_samples: Any) -> None:
        labels = torch.stack(data_batch['data_samples']).tolist()
        self.results.extend(int(s['pred'] == label) for s, label in zip(data_samples, labels))

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=sum(results) / len(results))


@pytest.fixture
def make_runner(tmp_path: Path) -> Callable[..., Runner]:
    """Return ``make(custom_hooks, model=None, metric=None, train_cfg=None, **runner_args)``.

    The runner trains on 6 points in batches of 2 (3 iterations an epoch), by
    default for 2 epochs validating after each on 3 points, and tests on 4.
    """

    def make(custom_hooks: list, model: nn.Module | None = None, metric: Any = None,
             train_cfg: dict | None = None, **runner_args: Any) -> Runner:
        loader = dict(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False))
        args: dict[str, Any] = dict(
            work_dir=str(tmp_path / 'work_dir'),
            train_dataloader=dict(dataset=Points(6), **loader),
            val_dataloader=dict(dataset=Points(3), **loader),
            val_evaluator=[metric or Accuracy()],
            test_dataloader=dict(dataset=Points(4), **loader),
            test_evaluator=[Accuracy()],
            train_cfg=train_cfg or dict(by_epoch=True, max_epochs=2, val_interval=1),
            val_cfg=dict(), test_cfg=dict(),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
            custom_hooks=custom_hooks, default_hooks=dict(checkpoint=None),
            randomness=dict(seed=0), trainer=dict(enable_progress_bar=False))
        args.update(runner_args)
        return Runner(model=model or LinearClassifier(), **args)

    return make
