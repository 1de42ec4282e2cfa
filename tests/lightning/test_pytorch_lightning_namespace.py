"""``mmlightning.pytorch_lightning``: the adapter for a ``pytorch_lightning.Trainer``."""
from __future__ import annotations

import pytest
import torch
from torch import nn

pl = pytest.importorskip('pytorch_lightning')

from mmlightning.evaluator import BaseMetric  # noqa: E402
from mmlightning.model import BaseModel  # noqa: E402


class Halves(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
        return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


class Hits(BaseMetric):
    def process(self, data_batch, data_samples) -> None:
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(hits=sum(results) / len(results))


class Pairs(torch.utils.data.Dataset):
    def __init__(self) -> None:
        self.points = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))

    def __len__(self) -> int:
        return 16

    def __getitem__(self, index: int) -> dict:
        point = self.points[index]
        return dict(inputs=point, data_samples=(point[0] > 0).long())


def test_fit_and_validate_with_a_pytorch_lightning_trainer(tmp_path) -> None:
    import lightning

    from mmlightning import pytorch_lightning as adapter

    loader = dict(dataset=Pairs(), batch_size=4, sampler=dict(type='DefaultSampler',
                                                                 shuffle=True))
    module = adapter.MMLightningModule(Halves(), optim_wrapper=dict(
        optimizer=dict(type='SGD', lr=0.5)), val_evaluator=[Hits()], train_cfg=dict(max_epochs=3))
    datamodule = adapter.MMDataModule(train_dataloader=loader, val_dataloader=loader, seed=0)
    assert isinstance(module, pl.LightningModule)
    assert not isinstance(module, lightning.pytorch.LightningModule)
    trainer = pl.Trainer(max_epochs=3, default_root_dir=tmp_path, logger=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         use_distributed_sampler=False, num_sanity_val_steps=0)
    trainer.fit(module, datamodule)
    assert module.iter == 12 and trainer.global_step == 12
    assert 0.0 <= module.last_val_metrics['hits'] <= 1.0
    assert sorted(p.name for p in (tmp_path / 'checkpoints').iterdir()) == [
        'epoch=2-step=12.ckpt']


def test_same_source_and_no_mixing() -> None:
    from mmlightning import lightning as for_lightning
    from mmlightning import pytorch_lightning as for_pytorch_lightning

    assert for_pytorch_lightning.MMLightningModule is not for_lightning.MMLightningModule
    assert (for_pytorch_lightning.MMLightningModule.training_step.__code__.co_filename ==
            for_lightning.MMLightningModule.training_step.__code__.co_filename)
    with pytest.raises(TypeError, match='must be a `LightningModule`'):
        pl.Trainer(logger=False).fit(for_lightning.MMLightningModule(Halves()))
