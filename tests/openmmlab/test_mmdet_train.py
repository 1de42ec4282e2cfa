"""mmdet 3.3.0's own RetinaNet and Faster R-CNN configs train under mmlightning.

The configs are read unmodified from mmdet's installed ``.mim/configs``; only
data paths, small sizes, R-18 for R-50 and a short schedule are overridden, as
a user would on the command line. Each run trains 4 iterations on generated
COCO data, validates with mmdet's ``CocoMetric`` and writes checkpoints: once
with ``mmlightning train CONFIG --cfg-options ...`` and once with
``MMLightningModule``/``MMDataModule`` in a user's own Lightning ``Trainer``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip('mmdet')

from openmmlab_helpers import (  # noqa: E402  (after the skip)
    assert_falling,
    fit_in_users_trainer,
    package_config,
    require_kernels,
    train_with_cli,
)

#: config -> (overrides beyond data and sizes, mmcv._ext kernels it calls on CPU)
MODELS = {
    'retinanet/retinanet_r18_fpn_1x_coco.py': ({}, ('nms',)),
    'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py': (
        {'model.backbone.depth': 18, 'model.neck.in_channels': [64, 128, 256, 512]},
        ('nms', 'roi_align_forward', 'roi_align_backward')),
}


def detection_options(root: Path, config: str) -> dict[str, Any]:
    """Generated data, 64x64 images, 4 epochs of one batch (the 4 train images), validation
    and checkpoints every 2 epochs, every box scored at test."""
    ann = str(root / 'annotations' / 'instances_val2017.json')
    options: dict[str, Any] = {f'{loader}_dataloader.{key}': value
                               for loader in ('train', 'val', 'test')
                               for key, value in (('dataset.data_root', f'{root}/'),
                                                  ('num_workers', 0),
                                                  ('persistent_workers', False))}
    options.update({
        'val_evaluator.ann_file': ann, 'test_evaluator.ann_file': ann,
        'train_dataloader.dataset.pipeline.2.scale': (64, 64),
        'train_dataloader.dataset.pipeline.3.prob': 0.0,
        'val_dataloader.dataset.pipeline.1.scale': (64, 64),
        'test_dataloader.dataset.pipeline.1.scale': (64, 64),
        'model.backbone.init_cfg': None,
        'model.test_cfg.score_thr' if 'retina' in config else 'model.test_cfg.rcnn.score_thr': 0.0,
        'train_dataloader.batch_size': 4, 'train_cfg.max_epochs': 4, 'train_cfg.val_interval': 2,
        'default_hooks.checkpoint.interval': 2, 'param_scheduler.0.start_factor': 1.0,
        'optim_wrapper.optimizer.lr': 0.01, 'randomness.seed': 0,
        'default_hooks.logger.interval': 1, 'default_hooks.visualization.draw': False,
    })
    options.update(MODELS[config][0])
    return options


@pytest.mark.parametrize('config', list(MODELS))
def test_mmlightning_train_cli(config: str, coco_root: Path, tmp_path: Path) -> None:
    require_kernels(*MODELS[config][1])
    records = train_with_cli(package_config('mmdet', config),
                             detection_options(coco_root, config), tmp_path)
    assert_falling([record['loss'] for record in records if 'loss' in record])
    evaluated = [record for record in records if 'coco/bbox_mAP' in record]
    assert len(evaluated) == 2 and all(0 <= r['coco/bbox_mAP'] <= 1 for r in evaluated)
    assert {p.name for p in tmp_path.glob('*.ckpt')} == {'epoch_2.ckpt', 'epoch_4.ckpt'}


@pytest.mark.parametrize('config', list(MODELS))
def test_in_a_users_lightning_trainer(config: str, coco_root: Path, tmp_path: Path) -> None:
    require_kernels(*MODELS[config][1])
    module, losses = fit_in_users_trainer(
        package_config('mmdet', config), detection_options(coco_root, config), tmp_path,
        {'every_n_epochs': 2}, max_epochs=4, check_val_every_n_epoch=2)
    assert_falling(losses)
    assert len(losses) == 4
    assert 0 <= module.last_val_metrics['coco/bbox_mAP'] <= 1
    assert len(list(tmp_path.glob('*.ckpt'))) == 2
