"""A tiny classifier, its data and a quiet Trainer factory for the MMLightningModule tests."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning
import pytest
import torch
from torch import nn

from mmlightning.dataset import build_dataloader
from mmlightning.model import BaseModel


class Points(torch.utils.data.Dataset):
    """Fixed random points labelled by the sign of their coordinate sum."""

    def __init__(self, size: int = 20, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.points = torch.randn(size, 4, generator=generator)
        self.labels = (self.points.sum(1) > 0).long()

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=self.labels[index])


class Classifier(BaseModel):
    """Linear + BatchNorm; records what validation saw."""

    def __init__(self, data_preprocessor: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
        self.val_calls: list[int] = []

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        logits = self.net(torch.stack(inputs) if isinstance(inputs, list) else inputs)
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits.float(),
                                                         torch.stack(data_samples)))
        if mode == 'predict':
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]
        return logits


@pytest.fixture
def points_cls() -> type[Points]:
    return Points


@pytest.fixture
def classifier_cls() -> type[Classifier]:
    return Classifier


@pytest.fixture
def make_model() -> Callable[[], Classifier]:
    def make() -> Classifier:
        torch.manual_seed(0)
        return Classifier()
    return make


@pytest.fixture
def make_loader() -> Callable[..., Any]:
    def make(size: int = 20, batch_size: int = 4, shuffle: bool = True, seed: int = 0) -> Any:
        return build_dataloader(dict(dataset=Points(size, seed), batch_size=batch_size,
                                     sampler=dict(type='DefaultSampler', shuffle=shuffle)),
                                seed=0)
    return make


@pytest.fixture
def make_trainer(tmp_path) -> Callable[..., lightning.Trainer]:
    def make(**kwargs: Any) -> lightning.Trainer:
        options = dict(accelerator='cpu', devices=1, logger=False, enable_checkpointing=False,
                       enable_progress_bar=False, enable_model_summary=False,
                       use_distributed_sampler=False, num_sanity_val_steps=0,
                       default_root_dir=str(tmp_path))
        options.update(kwargs)
        return lightning.Trainer(**options)
    return make
