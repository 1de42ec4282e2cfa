"""mmsegmentation 1.2.2's own PSPNet (R-18) config trains under mmlightning.

The LoveDA config is read unmodified from mmseg's installed ``.mim/configs``;
only data paths, 64x64 sizes and a 4-iteration schedule are overridden. It
validates with mmseg's ``IoUMetric`` and writes checkpoints, once through
``mmlightning train`` and once in a user's own Lightning ``Trainer``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip('mmseg')

from openmmlab_helpers import (  # noqa: E402  (after the skip)
    assert_falling,
    fit_in_users_trainer,
    package_config,
    train_with_cli,
)

CONFIG = 'pspnet/pspnet_r18-d8_4xb4-80k_loveda-512x512.py'


def segmentation_options(root: Path) -> dict[str, Any]:
    """Generated data, 64x64 crops, 4 iterations of the 4 train images, validation and
    checkpoints every 2 iterations."""
    options: dict[str, Any] = {f'{loader}_dataloader.{key}': value
                               for loader in ('train', 'val', 'test')
                               for key, value in (('dataset.data_root', str(root)),
                                                  ('num_workers', 0),
                                                  ('persistent_workers', False))}
    options.update({
        'train_dataloader.batch_size': 4,
        'train_dataloader.dataset.pipeline.2.scale': (64, 64),
        'train_dataloader.dataset.pipeline.2.ratio_range': (1.0, 1.0),
        'train_dataloader.dataset.pipeline.3.crop_size': (64, 64),
        'train_dataloader.dataset.pipeline.4.prob': 0.0,
        'val_dataloader.dataset.pipeline.1.scale': (64, 64),
        'test_dataloader.dataset.pipeline.1.scale': (64, 64),
        'model.pretrained': None, 'model.data_preprocessor.size': (64, 64),
        'train_cfg.max_iters': 4, 'train_cfg.val_interval': 2,
        'default_hooks.checkpoint.interval': 2, 'default_hooks.logger.interval': 1,
        'default_hooks.visualization.draw': False, 'randomness.seed': 0,
    })
    return options


def test_mmlightning_train_cli(loveda_root: Path, tmp_path: Path) -> None:
    records = train_with_cli(package_config('mmseg', CONFIG), segmentation_options(loveda_root),
                             tmp_path)
    assert_falling([record['loss'] for record in records if 'loss' in record])
    evaluated = [record for record in records if 'mIoU' in record]
    assert len(evaluated) == 2 and all(0 <= record['mIoU'] <= 100 for record in evaluated)
    assert {p.name for p in tmp_path.glob('*.ckpt')} == {'iter_2.ckpt', 'iter_4.ckpt'}


def test_in_a_users_lightning_trainer(loveda_root: Path, tmp_path: Path) -> None:
    module, losses = fit_in_users_trainer(
        package_config('mmseg', CONFIG), segmentation_options(loveda_root), tmp_path,
        {'every_n_train_steps': 2}, max_steps=4)
    assert_falling(losses)
    assert len(losses) == 4
    assert 0 <= module.last_val_metrics['mIoU'] <= 100
    assert len(list(tmp_path.glob('*.ckpt'))) == 2
    from mmengine.logging import MessageHub  # where OpenMMLab code reads epoch and iter

    assert MessageHub.get_current_instance().get_info('iter') == 3  # before the 4th step
