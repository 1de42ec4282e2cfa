"""How many nodes and processes per node a launcher started, read from its environment.

MMEngine takes the world from the environment that ``torchrun`` or ``srun`` set up. Lightning
instead checks that ``devices * num_nodes`` equals that world size, so both are derived here from
the launcher's variables: ``LOCAL_WORLD_SIZE`` and ``WORLD_SIZE`` for ``torchrun``
(``launcher='pytorch'``), ``SLURM_NTASKS_PER_NODE``/``SLURM_NTASKS`` and ``SLURM_NNODES`` for
``launcher='slurm'``. Outside such a launcher nothing is read and Lightning starts the processes.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any


def _int(environ: Mapping[str, str], key: str) -> int | None:
    value = environ.get(key)
    if value is None or value == '':
        return None
    match = re.match(r'\d+', value)  # SLURM writes repeated counts as '2(x3)'
    if match is None:
        raise ValueError(f'the environment variable {key}={value!r} is not a number')
    return int(match.group())


def _layout(world_size: int, per_node: int, source: str) -> dict[str, int]:
    if per_node <= 0 or world_size % per_node != 0:
        raise ValueError(f'{source}: a world of {world_size} processes does not split into '
                         f'nodes of {per_node}; check the launcher command')
    return {'devices': per_node, 'num_nodes': world_size // per_node}


def launched_layout(launcher: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """``devices`` (processes per node) and ``num_nodes`` of a launched job, or ``{}``.

    Args:
        launcher: The config's ``launcher`` (``'pytorch'``, ``'slurm'``, ...).
        environ: The process environment.

    Returns:
        Trainer arguments when the launcher's variables are set; ``{}`` otherwise.

    Raises:
        ValueError: When the variables contradict each other.
    """
    if launcher == 'pytorch':
        world_size = _int(environ, 'WORLD_SIZE')
        per_node = _int(environ, 'LOCAL_WORLD_SIZE')
        if world_size is None or per_node is None:
            return {}
        return _layout(world_size, per_node, 'torchrun (WORLD_SIZE, LOCAL_WORLD_SIZE)')
    if launcher == 'slurm':
        nodes = _int(environ, 'SLURM_NNODES') or _int(environ, 'SLURM_JOB_NUM_NODES')
        tasks = _int(environ, 'SLURM_NTASKS')
        if nodes is None or tasks is None:
            return {}
        per_node = _int(environ, 'SLURM_NTASKS_PER_NODE') or tasks // nodes
        layout = _layout(tasks, per_node, 'SLURM (SLURM_NTASKS, SLURM_NTASKS_PER_NODE)')
        if layout['num_nodes'] != nodes:
            raise ValueError(f'SLURM: {tasks} tasks of {per_node} per node need '
                             f"{layout['num_nodes']} nodes, but SLURM_NNODES={nodes}")
        return layout
    return {}


def process_group_backend(env_cfg: Mapping[str, Any]) -> str | None:
    """``env_cfg.dist_cfg.backend``, with ``'nccl'`` replaced by ``'gloo'`` where CUDA is absent.

    OpenMMLab configs set ``backend='nccl'`` everywhere; on a CPU machine NCCL cannot start,
    so the run uses gloo and says so once.

    Returns:
        The backend, or ``None`` when the config names none (Lightning picks one).
    """
    backend = (env_cfg.get('dist_cfg') or {}).get('backend')
    if backend == 'nccl':
        import torch

        if not torch.cuda.is_available():
            logging.getLogger('mmlightning').warning(
                "env_cfg.dist_cfg.backend='nccl' needs CUDA, which this machine lacks: the "
                "processes use 'gloo' instead (set backend='gloo' to silence this)")
            return 'gloo'
    return backend

