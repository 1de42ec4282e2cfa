"""A tiny registered dataset and a tiny LightningModule for the adapter tests, as fixtures."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning as L
import pytest
import torch
from torch.utils.data import BatchSampler

from mmlightning.dataset import BaseDataset
from mmlightning.registry import DATA_SAMPLERS, DATASETS

DATA_SAMPLERS.register_module(name='_LightningTestBatchSampler', force=True, module=BatchSampler)


@DATASETS.register_module(name='_LightningTestNumbers', force=True)
class NumbersDataset(BaseDataset):
    """``size`` samples ``dict(x=float(i), sample_idx=i)``; counts how often it is built."""

    METAINFO = dict(classes=('even', 'odd'))
    num_built = 0

    def __init__(self, size: int = 10, **kwargs: Any) -> None:
        self.size = size
        type(self).num_built += 1
        super().__init__(data_prefix={}, **kwargs)

    def load_data_list(self) -> list[dict]:
        return [dict(x=float(i)) for i in range(self.size)]


class IndexRecorder(L.LightningModule):
    """Records the ``sample_idx`` of every batch, per epoch and stage."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.train_seen: dict[int, list[int]] = {}
        self.val_seen: dict[int, list[int]] = {}
        self.sampler_epochs: list[int] = []

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        self.train_seen.setdefault(self.current_epoch, []).extend(batch['sample_idx'])
        self.sampler_epochs.append(self.trainer.train_dataloader.sampler.epoch)
        return self.weight.sum() * 0

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self.val_seen.setdefault(self.current_epoch, []).extend(batch['sample_idx'])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.0)


@pytest.fixture
def numbers_dataset() -> type[NumbersDataset]:
    NumbersDataset.num_built = 0
    return NumbersDataset


@pytest.fixture
def index_recorder() -> type[IndexRecorder]:
    return IndexRecorder


@pytest.fixture
def make_trainer() -> Callable[..., L.Trainer]:
    """A quiet CPU Trainer; keyword arguments override the defaults."""

    def make(**kwargs: Any) -> L.Trainer:
        options: dict[str, Any] = dict(
            accelerator='cpu', devices=1, logger=False, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False, max_epochs=2,
            use_distributed_sampler=False, num_sanity_val_steps=0)
        options.update(kwargs)
        return L.Trainer(**options)

    return make
