"""Sharded checkpoints of Lightning's FSDP strategy, read back as one full checkpoint.

With ``FSDPStrategy(state_dict_type='sharded')`` Lightning saves a checkpoint as a folder: the
weights and optimizer states in ``torch.distributed.checkpoint`` shards, everything else
(epoch, loops, callbacks, mmlightning's counters and schedulers) in ``meta.pt``. Resuming on the
same number of processes reads the folder as it is; this module consolidates it in one process
for ``load_from``, ``mmlightning convert-ckpt`` (to a ``.ckpt`` or an MMEngine ``.pth``) and
inference. The whole checkpoint must fit in CPU memory.
"""
from __future__ import annotations

import os.path as osp
import re
from typing import Any

#: The file Lightning writes next to the shards (``lightning.fabric.utilities.load``).
METADATA_FILENAME = 'meta.pt'


def is_sharded_checkpoint(path: str) -> bool:
    """Whether ``path`` is a local folder holding a sharded Lightning checkpoint."""
    return osp.isdir(path) and osp.isfile(osp.join(path, METADATA_FILENAME)) and \
        osp.isfile(osp.join(path, '.metadata'))


def load_sharded_checkpoint(path: str) -> dict[str, Any]:
    """Consolidate the sharded checkpoint in folder ``path`` into a Lightning checkpoint dict.

    The shards' ``model`` becomes ``state_dict`` and ``optimizer_<i>`` the list
    ``optimizer_states``, the layout of a checkpoint saved with ``state_dict_type='full'``.

    Raises:
        ValueError: If ``path`` is not such a folder.
    """
    if not is_sharded_checkpoint(path):
        raise ValueError(f'{path} is not a sharded checkpoint folder (a folder with the '
                         f'torch.distributed.checkpoint shards, .metadata and {METADATA_FILENAME},'
                         " as FSDPStrategy(state_dict_type='sharded') saves)")
    from pathlib import Path

    from lightning.fabric.utilities.load import _load_distributed_checkpoint

    checkpoint = _load_distributed_checkpoint(Path(path))
    checkpoint['state_dict'] = checkpoint.pop('model')
    optimizers = sorted((key for key in checkpoint if re.fullmatch(r'optimizer_\d+', key)),
                        key=lambda key: int(key.rsplit('_', 1)[1]))
    if optimizers:
        checkpoint['optimizer_states'] = [checkpoint.pop(key) for key in optimizers]
    return checkpoint
