"""One training step of real OpenMMLab configs under mmlightning (docs/openmmlab.md's zoo table).

For each config of mmpretrain 1.2.0, mmdet 3.3.0 and mmsegmentation 1.2.2 listed in :data:`ZOO`,
read unmodified from the installed package's ``.mim/configs``, the model is built with
mmlightning's registries (the config's ``default_scope``), mmcv gets mmlightning's torch kernels
when it has no compiled ones, and one ``model.train_step`` runs on a synthetic batch with the
config's own ``optim_wrapper`` (mmlightning's ``build_optim_wrapper``). Two things are not the
config's: pretrained weights are not loaded (no network; ``init_cfg=Pretrained`` and
``pretrained=`` are dropped), and the data preprocessor pads to the synthetic image size instead
of the config's crop size (an image of 512x1024 is minutes on a CPU). Each row says which
``mmcv.ops`` modules the model holds, which ``mmcv._ext`` kernels the step called, and ``ok``
with the loss or the first line of the error.

    python benchmarks/openmmlab_zoo.py [--only SUBSTRING] [--timeout 300] [--markdown FILE]
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import math
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any

#: (package, config under the package's ``.mim/configs``), in table order.
ZOO: tuple[tuple[str, str], ...] = (
    ('mmpretrain', 'resnet/resnet50_8xb32_in1k.py'),
    ('mmpretrain', 'vision_transformer/vit-base-p16_64xb64_in1k.py'),
    ('mmpretrain', 'swin_transformer/swin-tiny_16xb64_in1k.py'),
    ('mmpretrain', 'convnext/convnext-tiny_32xb128_in1k.py'),
    ('mmpretrain', 'mobilenet_v2/mobilenet-v2_8xb32_in1k.py'),
    ('mmpretrain', 'mobilenet_v3/mobilenet-v3-small_8xb128_in1k.py'),
    ('mmpretrain', 'efficientnet/efficientnet-b0_8xb32_in1k.py'),
    ('mmpretrain', 'regnet/regnetx-400mf_8xb128_in1k.py'),
    ('mmdet', 'retinanet/retinanet_r50_fpn_1x_coco.py'),
    ('mmdet', 'fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py'),
    ('mmdet', 'atss/atss_r50_fpn_1x_coco.py'),
    ('mmdet', 'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'),
    ('mmdet', 'mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'),
    ('mmdet', 'cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py'),
    ('mmdet', 'cascade_rcnn/cascade-mask-rcnn_r50_fpn_1x_coco.py'),
    ('mmdet', 'yolox/yolox_tiny_8xb8-300e_coco.py'),
    ('mmdet', 'rtmdet/rtmdet_tiny_8xb32-300e_coco.py'),
    ('mmdet', 'rtmdet/rtmdet-ins_tiny_8xb32-300e_coco.py'),
    ('mmdet', 'detr/detr_r50_8xb2-150e_coco.py'),
    ('mmdet', 'conditional_detr/conditional-detr_r50_8xb2-50e_coco.py'),
    ('mmdet', 'deformable_detr/deformable-detr_r50_16xb2-50e_coco.py'),
    ('mmdet', 'dino/dino-4scale_r50_8xb2-12e_coco.py'),
    ('mmdet', 'dcn/faster-rcnn_r50-dconv-c3-c5_fpn_1x_coco.py'),
    ('mmdet', 'carafe/faster-rcnn_r50_fpn-carafe_1x_coco.py'),
    ('mmdet', 'ssd/ssd300_coco.py'),
    ('mmdet', 'yolo/yolov3_mobilenetv2_8xb24-320-300e_coco.py'),
    ('mmdet', 'tood/tood_r50_fpn_1x_coco.py'),
    ('mmdet', 'gfl/gfl_r50_fpn_1x_coco.py'),
    ('mmdet', 'solov2/solov2_r50_fpn_1x_coco.py'),
    ('mmdet', 'centernet/centernet-update_r50-caffe_fpn_ms-1x_coco.py'),
    ('mmdet', 'mask2former/mask2former_r50_8xb2-lsj-50e_coco-panoptic.py'),
    ('mmseg', 'pspnet/pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py'),
    ('mmseg', 'deeplabv3plus/deeplabv3plus_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'upernet/upernet_r50_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py'),
    ('mmseg', 'mask2former/mask2former_r50_8xb2-160k_ade20k-512x512.py'),
    ('mmseg', 'fcn/fcn_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'deeplabv3/deeplabv3_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'ccnet/ccnet_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'psanet/psanet_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'danet/danet_r50-d8_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'ocrnet/ocrnet_hr18s_4xb4-80k_ade20k-512x512.py'),
    ('mmseg', 'bisenetv2/bisenetv2_fcn_4xb4-160k_cityscapes-1024x1024.py'),
    ('mmseg', 'stdc/stdc1_4xb12-80k_cityscapes-512x1024.py'),
    ('mmseg', 'swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py'),
    ('mmseg', 'segmenter/segmenter_vit-t_mask_8xb1-160k_ade20k-512x512.py'),
    ('mmseg', 'knet/knet-s3_r50-d8_fcn_8xb2-adamw-80k_ade20k-512x512.py'),
    ('mmseg', 'point_rend/pointrend_r50_4xb2-80k_cityscapes-512x1024.py'),
    ('mmseg', 'mobilenet_v3/mobilenet-v3-d8_lraspp_4xb4-320k_cityscapes-512x1024.py'),
)

#: Synthetic image side per package (SSD's anchors need 300: its config's own size).
IMAGE_SIZE = {'mmpretrain': 224, 'mmdet': 128, 'mmseg': 128}
SIZE_OF_CONFIG = {'ssd/ssd300_coco.py': 300,
                  # DINO selects 900 queries among the encoder's tokens: 256 px gives 1360
                  'dino/dino-4scale_r50_8xb2-12e_coco.py': 256,
                  # LRASPP average-pools a 49x49 window of the stride-8 features
                  'mobilenet_v3/mobilenet-v3-d8_lraspp_4xb4-320k_cityscapes-512x1024.py': 512}
BATCH = 2


@dataclass
class Row:
    """One config's result."""

    package: str
    config: str
    modules: list[str] = field(default_factory=list)
    kernels: list[str] = field(default_factory=list)
    result: str = ''
    seconds: float = 0.0


# ------------------------------------------------------------------------------- config
def config_path(package: str, relative: str) -> Path:
    """The config inside the installed package."""
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f'{package} is not installed', name=package)
    return Path(spec.origin).parent / '.mim' / 'configs' / relative


def offline(value: Any) -> Any:
    """``value`` without pretrained weights: ``init_cfg=Pretrained`` and ``pretrained=`` go."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key == 'pretrained' and isinstance(item, str):
                continue
            if key == 'init_cfg' and isinstance(item, dict) and item.get('type') == 'Pretrained':
                continue
            result[key] = offline(item)
        return result
    if isinstance(value, list):
        return [offline(item) for item in value]
    return value


def load(package: str, relative: str) -> Any:
    """The config, with mmcv's kernels installed before its ``custom_imports``."""
    from mmlightning.config import Config
    from mmlightning.registry import init_default_scope
    from mmlightning.registry.openmmlab import prepare_openmmlab
    from mmlightning.utils import import_modules_from_strings

    cfg = Config.fromfile(config_path(package, relative), import_custom_modules=False)
    prepare_openmmlab(cfg)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', package))
    return cfg


def build_model(cfg: Any, size: int) -> Any:
    """The config's model without pretrained weights, its preprocessor padding to ``size``."""
    from mmlightning.config import ConfigDict
    from mmlightning.registry import MODELS

    # a ConfigDict, as the Runner passes it: mmdet reads ``train_cfg.rpn`` as an attribute
    model_cfg = ConfigDict(offline(copy.deepcopy(cfg.model.to_dict())))
    preprocessor = model_cfg.get('data_preprocessor') or {}
    if 'size' in preprocessor:
        preprocessor['size'] = (size, size)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


# ------------------------------------------------------------------------------- inputs
def _boxes(generator: Any, count: int, size: int) -> Any:
    import torch

    corner = torch.rand(count, 2, generator=generator) * size * 0.5
    extent = torch.rand(count, 2, generator=generator) * size * 0.4 + size * 0.1
    return torch.cat([corner, corner + extent], dim=1)


def loads_annotations(cfg: Any) -> set[str]:
    """What the training pipeline's ``Load*Annotations`` loads: ``'masks'``, ``'sem_seg'``.

    The synthetic batch carries what the config's own pipeline would (a box-only
    RTMDet reads ``masks`` as a tensor when there are any).
    """
    found: set[str] = set()
    pending = [cfg.get('train_dataloader')]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            kind = str(value.get('type', ''))
            panoptic = kind.endswith('LoadPanopticAnnotations')
            if panoptic or kind.endswith('LoadAnnotations'):
                if value.get('with_mask', panoptic):
                    found.add('masks')
                if value.get('with_seg', panoptic):
                    found.add('sem_seg')
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    return found


def detection_batch(size: int, generator: Any, loaded: set[str]) -> dict[str, Any]:
    """Images with boxes and, as ``loaded`` says, masks (inside the boxes) and a panoptic
    label map."""
    import numpy as np
    import torch
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData, PixelData

    inputs, samples = [], []
    for _ in range(BATCH):
        inputs.append(torch.randint(0, 256, (3, size, size), dtype=torch.uint8,
                                    generator=generator))
        boxes = _boxes(generator, 3, size)
        masks = np.zeros((3, size, size), np.uint8)
        for index, (x1, y1, x2, y2) in enumerate(boxes.int().tolist()):
            masks[index, y1:y2, x1:x2] = 1
        sample = DetDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size),
            scale_factor=(1.0, 1.0), flip=False, flip_direction=None, img_id=0))
        sample.gt_instances = InstanceData(bboxes=boxes, labels=torch.tensor([0, 2, 5]))
        if 'masks' in loaded:
            sample.gt_instances.masks = BitmapMasks(masks, size, size)
        sample.ignored_instances = InstanceData(bboxes=torch.zeros(0, 4),
                                                labels=torch.zeros(0, dtype=torch.long))
        if 'sem_seg' in loaded:
            sem_seg = torch.full((1, size, size), 255, dtype=torch.long)
            sem_seg[0, : size // 4] = 100  # a stuff class of COCO panoptic
            sample.gt_sem_seg = PixelData(sem_seg=sem_seg)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def segmentation_batch(size: int, classes: int, generator: Any) -> dict[str, Any]:
    """Images with a label map of ``classes`` classes."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    inputs, samples = [], []
    for _ in range(BATCH):
        inputs.append(torch.randint(0, 256, (3, size, size), dtype=torch.uint8,
                                    generator=generator))
        sample = SegDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                             pad_shape=(size, size), flip=False))
        label = torch.randint(0, classes, (1, size, size), generator=generator)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def classification_batch(size: int, classes: int, generator: Any) -> dict[str, Any]:
    """Images with a class label each."""
    import torch
    from mmpretrain.structures import DataSample

    inputs = [torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=generator)
              for _ in range(BATCH)]
    samples = [DataSample().set_gt_label(int(torch.randint(0, classes, (1,),
                                                           generator=generator)))
               for _ in range(BATCH)]
    return dict(inputs=inputs, data_samples=samples)


def _num_classes(model_cfg: Any, default: int) -> int:
    heads = model_cfg.get('decode_head') or model_cfg.get('head') or {}
    heads = heads if isinstance(heads, list) else [heads]
    found = [head.get('num_classes') for head in heads if isinstance(head, dict)]
    return next((n for n in found if isinstance(n, int)), default)


def synthetic_batch(package: str, cfg: Any, size: int) -> dict[str, Any]:
    """A batch of the form the package's data preprocessor takes."""
    import torch

    generator = torch.Generator().manual_seed(0)
    if package == 'mmdet':
        return detection_batch(size, generator, loads_annotations(cfg))
    if package == 'mmseg':
        return segmentation_batch(size, _num_classes(cfg.model, 19), generator)
    return classification_batch(size, _num_classes(cfg.model, 1000), generator)


# ------------------------------------------------------------------------------- running
class KernelCalls:
    """Records which ``mmcv._ext`` kernels run (mmcv's wrappers look them up when called)."""

    def __init__(self) -> None:
        self.called: set[str] = set()
        self._wrapped = False

    def wrap(self) -> None:
        """Wrap every kernel of the ``mmcv._ext`` in use, once."""
        ext = sys.modules.get('mmcv._ext')
        if self._wrapped or ext is None:
            return
        from mmlightning.ops import EXT_NAMES

        for name in EXT_NAMES:
            kernel = getattr(ext, name, None)
            if callable(kernel):
                setattr(ext, name, self._recording(name, kernel))
        self._wrapped = True

    def _recording(self, name: str, kernel: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.called.add(name)
            return kernel(*args, **kwargs)

        return recorded


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise ``TimeoutError`` in the main thread after ``seconds``."""
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f'over {seconds} s')

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def first_line(error: BaseException) -> str:
    """``Type: message`` on one line, with where in the packages it was raised."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if '/site-packages/' in frame.filename or '/mm' in frame.filename]
    where = ''
    if frames:
        path = frames[-1].filename
        roots = sorted((entry for entry in sys.path if entry and path.startswith(entry)), key=len)
        if roots:
            path = path[len(roots[-1]):].lstrip('/')
        where = f' ({path}:{frames[-1].lineno})'
    message = ' '.join(str(error).split())[:160]
    return f'{type(error).__name__}: {message}{where}'


def run_one(package: str, relative: str, timeout: int, calls: KernelCalls) -> Row:
    """Build ``relative``'s model and run one training step; never raises."""
    import torch

    from mmlightning.lightning.module import lightning_optim_cfg
    from mmlightning.logging import MessageHub
    from mmlightning.optim import build_optim_wrapper
    from mmlightning.registry.openmmlab import share_runtime_info

    row = Row(package, relative)
    start = time.perf_counter()
    try:
        with time_limit(timeout):
            cfg = load(package, relative)
            calls.wrap()
            size = SIZE_OF_CONFIG.get(relative, IMAGE_SIZE[package])
            model = build_model(cfg, size)
            row.modules = sorted({type(m).__name__ for m in model.modules()
                                  if type(m).__module__.startswith('mmcv.ops')})
            wrapper = build_optim_wrapper(model, lightning_optim_cfg(cfg.optim_wrapper))
            hub = MessageHub.get_instance('openmmlab_zoo')  # what the Runner's hooks record
            hub.update_info_dict(dict(epoch=0, iter=0, max_epochs=1, max_iters=1))
            share_runtime_info(hub)
            calls.called.clear()
            model.train()
            log_vars = model.train_step(synthetic_batch(package, cfg, size), wrapper)
            row.kernels = sorted(calls.called)
            loss = float(torch.as_tensor(log_vars['loss']).detach())
            if not math.isfinite(loss):
                raise FloatingPointError(f'loss is {loss}')
            row.result = f'ok (loss {loss:.3f})'
            del model, wrapper
            torch.set_grad_enabled(True)
    except Exception as error:  # noqa: BLE001  (the table reports every failure)
        row.kernels = sorted(calls.called)
        row.result = first_line(error)
    row.seconds = time.perf_counter() - start
    return row


def quiet() -> None:
    """MMEngine's logger (init_weights prints a line per parameter) shows errors only."""
    from mmengine.logging import MMLogger

    MMLogger.get_instance('openmmlab_zoo', log_level='ERROR')
    import logging

    logging.getLogger('mmlightning').setLevel(logging.WARNING)


def markdown(rows: list[Row]) -> str:
    """The table, one config a row."""
    lines = ['| package | config | mmcv.ops modules | mmcv._ext kernels called | result | s |',
             '| --- | --- | --- | --- | --- | --- |']
    for row in rows:
        lines.append(f'| {row.package} | `{row.config}` | {", ".join(row.modules) or "-"} | '
                     f'{", ".join(row.kernels) or "-"} | {row.result.replace("|", "/")} | '
                     f'{row.seconds:.1f} |')
    ok = sum(row.result.startswith('ok') for row in rows)
    lines.append('')
    lines.append(f'{ok} of {len(rows)} configs trained one step.')
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the zoo; print the table (and write it with ``--markdown``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default='', help='run the configs whose path contains this')
    parser.add_argument('--timeout', type=int, default=300, help='seconds per config')
    parser.add_argument('--markdown', type=Path, help='also write the table to this file')
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    quiet()
    calls = KernelCalls()
    rows = []
    for package, relative in ZOO:
        if args.only and args.only not in f'{package}/{relative}':
            continue
        row = run_one(package, relative, args.timeout, calls)
        print(f'{row.package:10} {row.config:70} {row.seconds:6.1f}s  {row.result}', flush=True)
        rows.append(row)
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + '\n')
    return 0


if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import_module('mmlightning')
    sys.exit(main())
