"""Helpers of the OpenMMLab tests: generated datasets in the layouts of mmdet's and mmseg's configs.

Detection: COCO-format JSON (boxes, polygon masks, COCO category names) beside
JPEG images. Segmentation: LoveDA layout (``img_dir/{train,val}/*.png``,
``ann_dir/{train,val}/*.png``, label 0 ignored by ``reduce_zero_label``).
Images are drawn so that labels follow the pixels: a model can learn them.
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

#: Package configs are read from the installed package's ``.mim/configs`` folder.
MIM = '.mim/configs'

#: Category ids the generated objects have, of the 80 COCO categories the JSON lists.
OBJECT_IDS = (1, 3)


def package_config(package: str, relative: str) -> Path:
    """The path of ``relative`` in ``package``'s own config folder."""
    module = pytest.importorskip(package)
    path = Path(module.__file__).parent / MIM / relative
    if not path.is_file():
        pytest.skip(f'{package} has no config {relative}')
    return path


def _write_image(path: Path, image: np.ndarray) -> None:
    import cv2

    if not cv2.imwrite(str(path), image):
        raise OSError(f'could not write {path}')


def write_coco(root: Path, images: int = 4, size: int = 64, seed: int = 0,
               val_images: int = 2) -> Path:
    """COCO ``annotations/instances_{train,val}2017.json`` and ``{train,val}2017/*.jpg``.

    Each image has two or three filled rectangles of a category's colour on a
    noisy background; each becomes a box with its polygon mask. The JSON lists
    mmdet's 80 COCO classes (as COCO's own files do), so that the labels of an
    80-class model map to category ids.
    """
    from mmlightning.registry.openmmlab import prepare_openmmlab

    prepare_openmmlab({'default_scope': 'mmdet'})  # mmdet.datasets imports mmcv.ops
    from mmdet.datasets import CocoDataset

    categories = [{'id': index + 1, 'name': name}
                  for index, name in enumerate(CocoDataset.METAINFO['classes'])]
    rng = np.random.default_rng(seed)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    colours = dict(zip(OBJECT_IDS, ((40, 200, 40), (200, 40, 200))))
    for split in ('train2017', 'val2017'):
        (root / split).mkdir(exist_ok=True)
        coco: dict = {'images': [], 'annotations': [], 'categories': categories}
        for index in range(images if split == 'train2017' else val_images):
            image = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            name = f'{index:06d}.jpg'
            coco['images'].append({'id': index + 1, 'file_name': name, 'width': size,
                                   'height': size})
            for _ in range(int(rng.integers(2, 4))):
                category = OBJECT_IDS[int(rng.integers(0, len(OBJECT_IDS)))]
                w, h = (int(v) for v in rng.integers(size // 4, size // 2, 2))
                x, y = (int(v) for v in rng.integers(0, size - max(w, h), 2))
                image[y:y + h, x:x + w] = colours[category]
                polygon = [x, y, x + w, y, x + w, y + h, x, y + h]
                coco['annotations'].append({
                    'id': len(coco['annotations']) + 1, 'image_id': index + 1,
                    'category_id': category, 'bbox': [x, y, w, h], 'area': w * h,
                    'iscrowd': 0, 'segmentation': [[float(v) for v in polygon]]})
            _write_image(root / split / name, image)
        (root / 'annotations' / f'instances_{split}.json').write_text(json.dumps(coco))
    return root


def write_loveda(root: Path, images: int = 4, size: int = 64, seed: int = 0) -> Path:
    """LoveDA-layout images and label maps (classes 1..7; 0 is ignored)."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 255, (8, 3), dtype=np.uint8)
    for split in ('train', 'val'):
        (root / 'img_dir' / split).mkdir(parents=True, exist_ok=True)
        (root / 'ann_dir' / split).mkdir(parents=True, exist_ok=True)
        for index in range(images):
            label = np.ones((size, size), np.uint8)
            for _ in range(3):
                value = int(rng.integers(2, 8))
                w, h = (int(v) for v in rng.integers(size // 4, size // 2, 2))
                x, y = (int(v) for v in rng.integers(0, size - max(w, h), 2))
                label[y:y + h, x:x + w] = value
            image = colours[label] + rng.integers(0, 20, (size, size, 3), dtype=np.uint8)
            _write_image(root / 'img_dir' / split / f'{index}.png', image)
            _write_image(root / 'ann_dir' / split / f'{index}.png', label)
    return root


def require_kernels(*names: str) -> None:
    """Skip unless mmlightning.ops implements the ``mmcv._ext`` kernels ``names``.

    With a compiled mmcv installed, every kernel is there.
    """
    from mmlightning.ops import implemented_kernels
    from mmlightning.ops.extension import is_mmlightning_extension

    compiled = 'mmcv._ext' in sys.modules and not is_mmlightning_extension(sys.modules['mmcv._ext'])
    if compiled or (find_spec('mmcv') is not None and find_spec('mmcv._ext') is not None):
        return
    missing = [name for name in names if name not in implemented_kernels()]
    if missing:
        pytest.skip(f'mmlightning.ops does not implement {missing} yet')


def cli_options(options: Mapping[str, Any]) -> list[str]:
    """``--cfg-options`` arguments (``key=value``) that DictAction reads back as ``options``."""
    def text(value: Any) -> str:
        if isinstance(value, tuple):
            return '(' + ','.join(text(item) for item in value) + ',)'
        if isinstance(value, list):
            return '[' + ','.join(text(item) for item in value) + ']'
        return str(value)

    return [f'{key}={text(value)}' for key, value in options.items()]


def train_with_cli(config: Path, options: Mapping[str, Any], work_dir: Path) -> list[dict]:
    """``mmlightning train CONFIG --work-dir WORK_DIR --cfg-options ...``; its logged scalars."""
    from mmlightning.cli import main

    status = main(['train', str(config), '--work-dir', str(work_dir),
                   '--cfg-options', *cli_options(options)])
    assert status == 0
    return logged_scalars(work_dir)


def logged_scalars(work_dir: Path) -> list[dict[str, Any]]:
    """The records of the run's ``vis_data/scalars.json`` (one run per work_dir)."""
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    assert len(files) == 1, files
    return [json.loads(line) for line in files[0].read_text().splitlines()]


def assert_falling(losses: list[float]) -> None:
    """Finite losses, the last one below the first."""
    assert len(losses) >= 2 and all(math.isfinite(loss) for loss in losses), losses
    assert losses[-1] < losses[0], losses


def fit_in_users_trainer(config: Path, options: Mapping[str, Any], work_dir: Path,
                         checkpoint: Mapping[str, Any], **trainer_args: Any) -> tuple[Any, list]:
    """What a user writes: the config into ``MMLightningModule``/``MMDataModule``, their own
    ``lightning.Trainer`` with a ``ModelCheckpoint`` and a callback collecting the losses.

    Returns:
        The fitted module and the training losses, one per step.
    """
    import lightning
    from lightning.pytorch.callbacks import Callback, ModelCheckpoint

    from mmlightning.config import Config
    from mmlightning.lightning import MMDataModule, MMLightningModule

    cfg = Config.fromfile(config)
    cfg.merge_from_dict(dict(options))
    losses: list[float] = []

    class Losses(Callback):
        def on_train_batch_end(self, trainer: Any, module: Any, outputs: Any, *args: Any) -> None:
            losses.append(float(outputs['loss']))

    module = MMLightningModule.from_cfg(cfg)
    trainer = lightning.Trainer(
        logger=False, enable_progress_bar=False, num_sanity_val_steps=0,
        use_distributed_sampler=False, default_root_dir=work_dir,
        callbacks=[Losses(), ModelCheckpoint(dirpath=work_dir, save_top_k=-1, **checkpoint)],
        **trainer_args)
    trainer.fit(module, MMDataModule.from_cfg(cfg))
    return module, losses
