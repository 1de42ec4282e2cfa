"""TensorboardVisBackend: TensorBoard-readable event files in save_dir, via Lightning's logger."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from lightning.pytorch.loggers import TensorBoardLogger

from mmlightning.visualization import TensorboardVisBackend, Visualizer
from mmlightning.visualization.utils import VisualizerArgumentError


def load_events(log_dir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(log_dir), size_guidance={'images': 0, 'tensors': 0})
    accumulator.Reload()
    return accumulator


def test_scalars_images_and_config_in_event_file(tmp_path: Path) -> None:
    vis = Visualizer(vis_backends=[dict(type='TensorboardVisBackend')], save_dir=str(tmp_path))
    vis.add_scalars({'loss': 0.5, 'acc': torch.tensor(0.25)}, step=10)
    vis.add_scalars({'loss': 0.375, 'acc': np.float64(0.5)}, step=20)
    vis.add_scalar('lr', np.array(0.01), step=20)
    vis.add_image('pred', np.full((4, 6, 3), 200, dtype=np.uint8), step=3)
    vis.add_config({'lr': 0.01})
    vis.close()

    events = load_events(tmp_path / 'vis_data')
    loss = events.Scalars('loss')
    assert [(e.step, e.value) for e in loss] == [(10, 0.5), (20, 0.375)]
    assert [(e.step, e.value) for e in events.Scalars('acc')] == [(10, 0.25), (20, 0.5)]
    assert events.Scalars('lr')[0].value == pytest.approx(0.01)
    image = events.Images('pred')[0]
    assert (image.step, image.width, image.height) == (3, 6, 4)
    text = events.Tensors('config/text_summary')[0].tensor_proto.string_val[0].decode()
    assert 'lr = 0.01' in text
    assert 'hp_metric' not in events.Tags()['scalars']


def test_lightning_logger_writes_into_save_dir(tmp_path: Path) -> None:
    backend = TensorboardVisBackend(str(tmp_path / 'vis_data'))
    logger = backend.lightning_logger
    assert isinstance(logger, TensorBoardLogger) and logger is backend.lightning_logger
    assert Path(logger.log_dir) == tmp_path / 'vis_data'
    assert backend.experiment is logger.experiment
    logger.log_metrics({'from_trainer': 1.5}, step=4)  # what the Trainer does with it
    backend.close()
    assert load_events(tmp_path / 'vis_data').Scalars('from_trainer')[0].value == 1.5


def test_non_numeric_scalar_is_skipped_with_warning(tmp_path: Path) -> None:
    backend = TensorboardVisBackend(str(tmp_path))
    with pytest.warns(UserWarning, match="for 'name'.*skip it"):
        backend.add_scalar('name', 'resnet')
    with pytest.raises(VisualizerArgumentError, match="has a 'step' key"):
        backend.add_scalars({'loss': 1.0, 'step': 3})
    with pytest.raises(TypeError, match='should be a dict'):
        backend.add_scalars([1.0])
    backend.close()


def test_trainer_given_the_backend_logger_writes_the_same_event_dir(tmp_path: Path) -> None:
    import lightning.pytorch as pl

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            loss = self.layer(batch[0]).pow(2).mean()
            self.log('train_loss', loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    vis = Visualizer(vis_backends=[dict(type='TensorboardVisBackend')], save_dir=str(tmp_path))
    backend = vis.get_backend('TensorboardVisBackend')
    trainer = pl.Trainer(logger=backend.lightning_logger, max_steps=3, log_every_n_steps=1,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator='cpu', devices=1)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(6, 2)),
                                       batch_size=2)
    trainer.fit(Tiny(), data)
    vis.add_scalars({'loss': 0.5}, step=3)
    vis.close()
    events = load_events(tmp_path / 'vis_data')
    assert [e.step for e in events.Scalars('train_loss')] == [0, 1, 2]
    assert events.Scalars('loss')[0].value == 0.5
