"""``init_model`` and ``inference_model``: a trained model on in-memory inputs.

The two functions of OpenMMLab's ``apis`` packages (``mmpretrain.apis``,
``mmdet.apis``): build the model of a config, load its checkpoint, then run
the config's test pipeline on arrays held in memory.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mmlightning.config import Config
from mmlightning.dataset import Compose, pseudo_collate
from mmlightning.registry import DATASETS, MODELS, init_default_scope
from mmlightning.runner import load_checkpoint

Input = np.ndarray | torch.Tensor | Mapping[str, Any]


def _as_config(config: str | Path | Config | Mapping) -> Config:
    if isinstance(config, (str, Path)):
        return Config.fromfile(config)
    if isinstance(config, Config):
        return copy.deepcopy(config)
    if isinstance(config, Mapping):
        return Config(dict(config))
    raise TypeError(f'init_model: config must be a file path or a Config, got '
                    f'{type(config).__name__}: {config!r}')


def _test_dataset_meta(cfg: Config) -> dict | None:
    """``METAINFO`` of the class of ``cfg.test_dataloader.dataset``, if it is known."""
    dataset_cfg = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    dataset_type = dataset_cfg.get('type') if isinstance(dataset_cfg, Mapping) else None
    if isinstance(dataset_type, str):
        dataset_type = DATASETS.get(dataset_type)
    metainfo = getattr(dataset_type, 'METAINFO', None)
    return copy.deepcopy(dict(metainfo)) if metainfo else None


def init_model(config: str | Path | Config, checkpoint: str | None = None,
               device: str | torch.device = 'cpu',
               cfg_options: dict | None = None) -> nn.Module:
    """Build the model of a config, load a checkpoint and get it ready for inference.

    The model is built from ``cfg.model`` under the config's ``default_scope``
    (``'mmlightning'`` when unset). ``model.cfg`` is the config and
    ``model.dataset_meta`` the checkpoint's ``meta['dataset_meta']``, else the
    ``METAINFO`` of the test dataset's class, else ``None``.

    Args:
        config: A config file (``.py``, ``.yaml``, ``.json``) or a :class:`Config`
            (copied, not changed).
        checkpoint: An MMEngine ``.pth``, a Lightning ``.ckpt`` or a plain state
            dict (path or URL); ``None`` keeps the initial weights.
        device: Where the model goes, e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options: Overrides merged into the config, e.g.
            ``{'model.num_classes': 5}``.

    Returns:
        The model, in eval mode, on ``device``.

    Raises:
        TypeError: If ``config`` is neither a path nor a Config.
        KeyError: If the config has no ``model``.
        FileNotFoundError: If ``checkpoint`` does not exist.
    """
    cfg = _as_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('model') is None:
        raise KeyError(f'init_model: the config {getattr(cfg, "filename", None) or ""} has no '
                       "'model'; add model = dict(type=...) to it")
    init_default_scope(cfg.get('default_scope') or 'mmlightning')
    model = MODELS.build(cfg.model)
    meta: Mapping[str, Any] = {}
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location='cpu')
        meta = loaded.get('meta') or {}
    model.cfg = cfg
    model.dataset_meta = (copy.deepcopy(meta['dataset_meta']) if meta.get('dataset_meta')
                          else _test_dataset_meta(cfg))
    model.to(device)
    model.eval()
    return model


def _pipeline(cfg: Config, in_memory: bool) -> Compose:
    """The test pipeline; without its ``Load*`` transforms (file readers) for arrays."""
    dataset_cfg = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    transforms = list(dataset_cfg.get('pipeline') or [])
    if in_memory:
        transforms = [t for t in transforms
                      if not (isinstance(t, Mapping) and str(t.get('type', '')).startswith('Load'))]
    return Compose(transforms)


def _results(item: Input) -> dict:
    if isinstance(item, Mapping):
        return dict(item)
    if isinstance(item, (np.ndarray, torch.Tensor)):
        return dict(img=item[None] if item.ndim == 2 else item)
    raise TypeError(f'inference_model: an input must be a numpy array, a tensor or a dict of '
                    f'sample fields, got {type(item).__name__}: {item!r:.80}')


def inference_model(model: nn.Module, inputs: Input | Sequence[Input]) -> Any:
    """Predict on one input or a list of inputs with the config's test pipeline.

    Contract: each input becomes a results dict, ``dict(img=array)`` for an
    array or tensor (a 2-D ``(H, W)`` one gets a leading channel axis, as the
    datasets' samples are ``(C, H, W)``) or a copy of the given dict (e.g.
    ``dict(img=..., img_path=...)``). The dict goes through
    ``cfg.test_dataloader.dataset.pipeline`` (:class:`Compose`; for arrays
    and tensors the transforms whose type starts with ``Load``, which read
    files, are left out), the samples are batched with :func:`pseudo_collate`
    and ``model.test_step`` predicts them, without gradients.

    Args:
        model: A model from :func:`init_model` (it needs ``model.cfg``).
        inputs: An array, a tensor, a dict of sample fields, or a list of them.

    Returns:
        The prediction of a single input, or the list of predictions of a list.

    Raises:
        AttributeError: If ``model`` has no ``cfg`` (it was not built by
            :func:`init_model`).
        TypeError: If an input is of another type.
        ValueError: If the pipeline drops an input (returns ``None``).
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError('inference_model: the model has no .cfg; build it with '
                             'init_model(config, checkpoint) or set model.cfg = Config(...)')
    single = not isinstance(inputs, (list, tuple))
    items = [inputs] if single else list(inputs)
    if not items:
        return []
    samples = []
    for index, item in enumerate(items):
        results = _results(item)
        sample = _pipeline(cfg, not isinstance(item, Mapping))(results)
        if sample is None:
            raise ValueError(f'inference_model: the test pipeline dropped input {index} '
                             '(a transform returned None); check the input against it')
        samples.append(sample)
    with torch.no_grad():
        predictions = model.test_step(pseudo_collate(samples))
    return predictions[0] if single else list(predictions)
