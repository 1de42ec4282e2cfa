"""Checkpoint files of :class:`CheckpointHook`: publishing and removing (paths or URLs)."""
from __future__ import annotations

import hashlib
import io
import logging
import os.path as osp
import pickle
from collections.abc import Sequence

import torch

from mmlightning import fileio
from mmlightning.dist import is_main_process
from mmlightning.model.checkpoint import torch_load

#: Prefix of the model's keys in a Lightning checkpoint of an MMLightningModule.
MODEL_PREFIX = 'model.'


def publish_checkpoint(path: str, published_keys: Sequence[str]) -> str:
    """Write ``path``'s ``published_keys`` as an MMEngine checkpoint ``<stem>-<sha8>.pth``.

    As MMEngine's ``CheckpointHook._publish_model``; the ``state_dict`` of a
    Lightning checkpoint loses the module's ``model.`` prefix, so the file
    loads with MMEngine's ``load_checkpoint`` as well as ``load_from``.

    Args:
        path: The checkpoint to publish (a local path or a URL).
        published_keys: The top-level keys to keep.

    Returns:
        The published file's path, next to ``path``.
    """
    checkpoint = torch_load(io.BytesIO(fileio.get(path)), map_location='cpu')
    if 'pytorch-lightning_version' in checkpoint and 'state_dict' in checkpoint:
        checkpoint['state_dict'] = {key.removeprefix(MODEL_PREFIX): value
                                    for key, value in checkpoint['state_dict'].items()}
    removed = [key for key in checkpoint if key not in published_keys]
    checkpoint = {key: value for key, value in checkpoint.items() if key in published_keys}
    if removed:
        logging.getLogger('mmlightning').info(
            f'Key {removed} will be removed because they are not found in published_keys. '
            f'If you want to keep them, please set `{removed}` in published_keys')
    sha = hashlib.sha256(pickle.dumps(checkpoint)).hexdigest()
    final_path = path[:len(path) - len(osp.splitext(path)[1])] + f'-{sha[:8]}.pth'
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    fileio.put(buffer.getvalue(), final_path)  # atomic on a local disk
    return final_path


def remove_checkpoint(path: str) -> bool:
    """Delete a checkpoint file (or a sharded checkpoint's folder) on the main process.

    Args:
        path: A local path or a URL.

    Returns:
        Whether something was deleted.
    """
    if not is_main_process():
        return False
    if fileio.isfile(path):
        fileio.remove(path)
        return True
    if fileio.isdir(path):
        fileio.rmtree(path)
        return True
    return False
