"""Join the launcher's process group when the Runner is built, as MMEngine's ``setup_env`` does.

Under ``torchrun`` or ``srun`` every process builds its own Runner. MMEngine joins the process
group first, then broadcasts rank 0's clock so that all ranks name the same
``work_dir/<timestamp>`` folder; ranks on nodes that started a second apart otherwise disagree.
The group is made with Lightning's own cluster environments and ``_init_dist_connection``,
which the Trainer's DDP strategy later finds already initialised and keeps.
"""
from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import Any

import torch
from torch import distributed as torch_dist

from mmlightning.lightning.launcher_env import process_group_backend

_ENVIRONMENTS = {'pytorch': 'TorchElasticEnvironment', 'slurm': 'SLURMEnvironment'}


def join_launched_group(launcher: str, env_cfg: Mapping[str, Any]) -> bool:
    """Create the default process group of a job ``torchrun``/``srun`` started.

    Args:
        launcher: The config's ``launcher``; only ``'pytorch'`` and ``'slurm'`` join.
        env_cfg: The config's ``env_cfg``; ``dist_cfg.backend`` (default ``nccl`` with CUDA,
            else ``gloo``; ``nccl`` without CUDA becomes ``gloo``) and ``dist_cfg.timeout``
            (seconds) are used; other ``dist_cfg`` keys go to ``init_process_group``.

    Returns:
        Whether this call created the group: ``False`` when there is one already, when the
        launcher's variables are absent (Lightning will start the processes) or when the world
        has one process.
    """
    if launcher not in _ENVIRONMENTS or not torch_dist.is_available() or \
            torch_dist.is_initialized():
        return False
    from lightning.fabric.plugins import environments
    from lightning.fabric.utilities.distributed import _init_dist_connection

    environment = getattr(environments, _ENVIRONMENTS[launcher])
    if not environment.detect():
        return False
    cluster = environment()
    if cluster.world_size() < 2:
        return False
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    dist_cfg.pop('backend', None)
    backend = process_group_backend(env_cfg) or ('nccl' if torch.cuda.is_available() else 'gloo')
    if dist_cfg.get('timeout') is not None:
        dist_cfg['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    if backend == 'nccl':
        torch.cuda.set_device(cluster.local_rank())
    _init_dist_connection(cluster, backend, **dist_cfg)
    return True


def shared_timestamp() -> str:
    """``YYYYmmdd_HHMMSS`` of rank 0's clock on every rank (this process's outside a group)."""
    from mmlightning.dist import broadcast

    now = torch.tensor(time.time(), dtype=torch.float64)
    if torch_dist.is_available() and torch_dist.is_initialized():
        broadcast(now)
    return time.strftime('%Y%m%d_%H%M%S', time.localtime(now.item()))
