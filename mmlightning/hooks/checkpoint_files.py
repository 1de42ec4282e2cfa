"""Checkpoint files of :class:`CheckpointHook`: publishing, removing, atomic text files."""
from __future__ import annotations

import hashlib
import logging
import os
import os.path as osp
import pickle
import shutil
from collections.abc import Sequence

import torch

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
        path: The checkpoint to publish.
        published_keys: The top-level keys to keep.

    Returns:
        The published file's path.
    """
    checkpoint = torch_load(path, map_location='cpu')
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
    final_path = osp.splitext(path)[0] + f'-{sha[:8]}.pth'
    torch.save(checkpoint, final_path + '.tmp')
    os.replace(final_path + '.tmp', final_path)
    return final_path


def remove_checkpoint(path: str) -> bool:
    """Delete a checkpoint file (or a sharded checkpoint's folder) on the main process.

    Returns:
        Whether something was deleted.
    """
    if not is_main_process():
        return False
    if osp.isfile(path):
        os.remove(path)
        return True
    if osp.isdir(path):
        shutil.rmtree(path)
        return True
    return False


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so ``path`` is never partial."""
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(path + '.tmp', path)
