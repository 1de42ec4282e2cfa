"""Converting mmlightning's Lightning ``.ckpt`` files to MMEngine's ``.pth`` layout.

An MMEngine checkpoint is ``{'meta': {'epoch', 'iter', ...}, 'state_dict': model weights,
'optimizer': optim_wrapper.state_dict(), 'param_schedulers': [...], 'message_hub': ...}``.
A Lightning checkpoint of an ``MMLightningModule`` keeps the weights under ``model.``,
the optimizers in ``optimizer_states`` (a list) and mmlightning's counters and scheduler
states under ``'mmlightning'``.
"""
from __future__ import annotations

import os
import os.path as osp
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from mmlightning.utils.suggestions import did_you_mean

from .checkpoint import LIGHTNING_MODEL_PREFIX, _load_checkpoint

#: Where ``MMLightningModule.on_save_checkpoint`` stores the iteration and the schedulers.
MMLIGHTNING_KEY = 'mmlightning'


def _meta_of(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    """MMEngine's ``meta``: the one ``Runner.save_checkpoint`` wrote, else from Lightning's keys.

    Lightning's ``epoch`` is the epoch running when the file was written, so a checkpoint
    written by Lightning itself (not by ``CheckpointHook``) may count one epoch less than
    MMEngine's ``meta['epoch']`` would (MMEngine stores finished epochs).
    """
    meta = dict(checkpoint.get('meta') or {})
    state = checkpoint.get(MMLIGHTNING_KEY) or {}
    meta.setdefault('epoch', int(checkpoint.get('epoch', 0)))
    meta.setdefault('iter', int(state.get('iter', checkpoint.get('global_step', 0))))
    return meta


def _optimizer_of(checkpoint: Mapping[str, Any],
                  optimizer_names: Sequence[str] | None) -> dict[str, Any] | None:
    """The first optimizer's state, or ``{name: state}`` for several optimizers.

    Raises:
        ValueError: If names are needed but not given, or their number is wrong.
    """
    states = checkpoint.get('optimizer_states') or []
    if not states:
        return None
    if optimizer_names is None:
        schedulers = (checkpoint.get(MMLIGHTNING_KEY) or {}).get('param_schedulers')
        if len(states) == 1:
            return states[0]
        if isinstance(schedulers, Mapping) and len(schedulers) == len(states):
            optimizer_names = list(schedulers)
        else:
            raise ValueError(
                f'the checkpoint holds {len(states)} optimizers but their names are not stored; '
                'pass optimizer_names=[...] in the order of the optim_wrapper config '
                "(e.g. ['generator', 'discriminator'])")
    if len(optimizer_names) != len(states):
        raise ValueError(f'optimizer_names={list(optimizer_names)} names '
                         f'{len(optimizer_names)} optimizers, the checkpoint holds {len(states)}')
    return dict(zip(optimizer_names, states))


def lightning_to_mmengine(checkpoint: Mapping[str, Any],
                          optimizer_names: Sequence[str] | None = None) -> dict[str, Any]:
    """The MMEngine layout of a loaded Lightning checkpoint of an ``MMLightningModule``.

    Args:
        checkpoint: The loaded ``.ckpt`` dict.
        optimizer_names: Names of several optimizers (the keys of the ``optim_wrapper``
            config); by default those of the schedulers, if stored per name.

    Returns:
        ``{'meta', 'state_dict', 'optimizer'?, 'param_schedulers'?, 'message_hub',
        'ema_state_dict'?}`` (an empty ``message_hub`` if the checkpoint has none).

    Raises:
        ValueError: If ``checkpoint`` has no ``state_dict``, or for bad ``optimizer_names``.
    """
    if 'state_dict' not in checkpoint:
        raise ValueError(f'not a Lightning checkpoint: no state_dict among the keys '
                         f'{sorted(checkpoint)}{did_you_mean("state_dict", list(checkpoint))}')
    converted: dict[str, Any] = dict(meta=_meta_of(checkpoint))
    converted['state_dict'] = OrderedDict(
        (key.removeprefix(LIGHTNING_MODEL_PREFIX), value)
        for key, value in checkpoint['state_dict'].items())
    optimizer = _optimizer_of(checkpoint, optimizer_names)
    if optimizer is not None:
        converted['optimizer'] = optimizer
    schedulers = (checkpoint.get(MMLIGHTNING_KEY) or {}).get('param_schedulers')
    if schedulers is not None:
        converted['param_schedulers'] = schedulers
    converted['message_hub'] = _message_hub_for_mmengine(checkpoint.get('message_hub'))
    if 'ema_state_dict' in checkpoint:
        converted['ema_state_dict'] = checkpoint['ema_state_dict']
    return converted


def _message_hub_for_mmengine(state: Mapping[str, Any] | None) -> dict[str, Any]:
    """The message hub state as MMEngine's ``Runner.resume`` loads it.

    Our checkpoints hold the hub's buffers as tensors (``weights_only``-safe);
    MMEngine's ``MessageHub.load_state_dict`` skips, with a warning, anything but its
    own ``HistoryBuffer``, so when ``mmengine`` is importable the buffers become
    MMEngine ``HistoryBuffer`` objects (which :func:`mmlightning.model.checkpoint.torch_load`
    still loads safely). Without it they stay tensors. MMEngine's resume reads the hub
    unconditionally, so a checkpoint without one gets an empty one.
    """
    if not state:
        return dict(log_scalars=OrderedDict(), runtime_info=OrderedDict(),
                    resumed_keys=OrderedDict())
    try:
        from mmengine.logging import HistoryBuffer
    except ImportError:
        return dict(state)
    scalars = OrderedDict()
    for key, saved in state.get('log_scalars', {}).items():
        if isinstance(saved, Mapping) and 'log_history' in saved:
            saved = HistoryBuffer(saved['log_history'].tolist(), saved['count_history'].tolist(),
                                  saved['max_length'])
        scalars[key] = saved
    return dict(state, log_scalars=scalars)


def save_atomic(obj: Any, path: str) -> None:
    """``torch.save`` through a temporary file in the same folder, renamed when complete.

    The temporary file's name is unique, so processes writing the same file at once
    (every rank converting one checkpoint) never write into each other's.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.{uuid.uuid4().hex}.tmp'
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def convert_lightning_to_mmengine(ckpt_path: str, out_path: str,
                                  optimizer_names: Sequence[str] | None = None, *,
                                  weights_only: bool = True) -> str:
    """Write the Lightning checkpoint ``ckpt_path`` as an MMEngine ``.pth`` at ``out_path``.

    The file is written atomically; MMEngine's ``load_checkpoint`` and
    ``Runner(resume=...)`` read it (with ``weights_only=False`` on torch >= 2.6, which
    MMEngine 0.10.7 cannot pass: load it with :func:`load_checkpoint` here, or see
    :func:`mmlightning.model.checkpoint.allow_checkpoint_globals`).

    Args:
        ckpt_path: The ``.ckpt`` (path or URL).
        out_path: The local ``.pth`` to write.
        optimizer_names: See :func:`lightning_to_mmengine`.
        weights_only: Load ``ckpt_path`` safely; ``False`` for trusted files holding
            other types (e.g. hyper-parameters of custom classes).

    Returns:
        ``out_path``.

    Raises:
        ValueError: See :func:`lightning_to_mmengine`.
    """
    checkpoint = _load_checkpoint(ckpt_path, 'cpu', 'silent', weights_only=weights_only)
    save_atomic(lightning_to_mmengine(checkpoint, optimizer_names), out_path)
    return out_path
