"""Process-group queries: rank, world size, backend, local (per-node) rank and size.

Everything reads the default ``torch.distributed`` process group, which is the
one Lightning's strategies (DDP, FSDP, DeepSpeed) initialise; outside an
initialised group the answers describe a single process (rank 0 of 1).
"""
from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import torch
from torch import distributed as torch_dist
from torch.distributed import ProcessGroup

from mmlightning.device import is_mlu_available, is_musa_available, is_npu_available

_LOCAL_PROCESS_GROUP: ProcessGroup | None = None
_F = TypeVar('_F', bound=Callable[..., Any])
_INIT_LOCAL_GROUP = 'call `init_local_group(node_rank, num_gpus_per_node)` on every rank'


def is_distributed() -> bool:
    """Return True if the default process group has been initialised."""
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_default_group() -> ProcessGroup | None:
    """Return the default process group, or None outside distributed runs."""
    if not is_distributed():
        return None
    return torch_dist.distributed_c10d._get_default_group()


def group_or_default(group: ProcessGroup | None) -> ProcessGroup | None:
    """``group``, or the default group when ``group`` is None."""
    return get_default_group() if group is None else group


def get_backend(group: ProcessGroup | None = None) -> str | None:
    """Return the backend of ``group`` (default group if None) in lower case, or None."""
    if not is_distributed():
        return None
    return torch_dist.get_backend(group_or_default(group))


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Return the number of processes in ``group`` (default group if None); 1 if not distributed."""
    if not is_distributed():
        return 1
    return torch_dist.get_world_size(group_or_default(group))


def get_rank(group: ProcessGroup | None = None) -> int:
    """Return this process's rank in ``group`` (default group if None); 0 if not distributed."""
    if not is_distributed():
        return 0
    return torch_dist.get_rank(group_or_default(group))


def get_dist_info(group: ProcessGroup | None = None) -> tuple[int, int]:
    """Return ``(rank, world_size)`` of ``group``; ``(0, 1)`` if not distributed."""
    return get_rank(group), get_world_size(group)


def is_main_process(group: ProcessGroup | None = None) -> bool:
    """Return True on rank 0 of ``group`` (always True when not distributed)."""
    return get_rank(group) == 0


def master_only(func: _F) -> _F:
    """Decorate ``func`` to run on the main process only; other ranks get None."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if is_main_process():
            return func(*args, **kwargs)
        return None

    return wrapper  # type: ignore[return-value]


def barrier(group: ProcessGroup | None = None) -> None:
    """Block until every process of ``group`` reaches this call (no-op if not distributed)."""
    if is_distributed():
        torch_dist.barrier(group_or_default(group))


def init_local_group(node_rank: int, num_gpus_per_node: int) -> None:
    """Create the process group of the ranks on this node.

    ``torch.distributed.new_group`` is a collective: every rank must create
    every node's group, in the same order, so this creates one group per node
    and keeps the one of ``node_rank`` (MMEngine creates only its own node's
    group, which works on a single node only).

    Args:
        node_rank: Index of this machine.
        num_gpus_per_node: Processes per machine.

    Raises:
        RuntimeError: If the local group already exists.
        ValueError: If the world size is not a multiple of ``num_gpus_per_node``.
    """
    global _LOCAL_PROCESS_GROUP
    if _LOCAL_PROCESS_GROUP is not None:
        raise RuntimeError('init_local_group() was already called in this process; the local '
                           'process group is created once per run.')
    world_size = get_world_size()
    if num_gpus_per_node <= 0 or world_size % num_gpus_per_node:
        raise ValueError(f'num_gpus_per_node={num_gpus_per_node} does not divide the world size '
                         f'{world_size}; pass the number of processes started on each node.')
    for node in range(world_size // num_gpus_per_node):
        ranks = list(range(node * num_gpus_per_node, (node + 1) * num_gpus_per_node))
        group = torch_dist.new_group(ranks)
        if node == node_rank:
            _LOCAL_PROCESS_GROUP = group


def get_local_group() -> ProcessGroup | None:
    """Return the group of this node's ranks (None if not distributed).

    Raises:
        RuntimeError: If distributed and :func:`init_local_group` was not called.
    """
    if not is_distributed():
        return None
    if _LOCAL_PROCESS_GROUP is None:
        raise RuntimeError(f'The local process group is not created: {_INIT_LOCAL_GROUP}.')
    return _LOCAL_PROCESS_GROUP


def _local_from_env(name: str, what: str) -> int:
    if _LOCAL_PROCESS_GROUP is not None:
        query = torch_dist.get_rank if what == 'rank' else torch_dist.get_world_size
        return query(_LOCAL_PROCESS_GROUP)
    if name in os.environ:
        return int(os.environ[name])
    raise RuntimeError(f'Cannot tell the local {what} of this process: there is no local process '
                       f'group and no {name} environment variable; {_INIT_LOCAL_GROUP}, or '
                       f'set {name}.')


def get_local_rank() -> int:
    """Return this process's rank on its node (0 if not distributed).

    Read from the local group of :func:`init_local_group` if created, else from
    ``LOCAL_RANK`` (set by torchrun and by every Lightning launcher).

    Raises:
        RuntimeError: If distributed and neither source exists.
    """
    return _local_from_env('LOCAL_RANK', 'rank') if is_distributed() else 0


def get_local_size() -> int:
    """Return the number of processes on this node (1 if not distributed).

    Read from the local group of :func:`init_local_group` if created, else from
    ``LOCAL_WORLD_SIZE`` (set by torchrun).

    Raises:
        RuntimeError: If distributed and neither source exists.
    """
    return _local_from_env('LOCAL_WORLD_SIZE', 'size') if is_distributed() else 1


def infer_launcher() -> str:
    """Guess how the processes were launched from the environment.

    Returns:
        ``'pytorch'`` (``WORLD_SIZE`` set), ``'slurm'``, ``'mpi'`` or ``'none'``.
    """
    if 'WORLD_SIZE' in os.environ:
        return 'pytorch'
    if 'SLURM_NTASKS' in os.environ:
        return 'slurm'
    if 'OMPI_COMM_WORLD_LOCAL_RANK' in os.environ:
        return 'mpi'
    return 'none'


def init_dist(launcher: str, backend: str = 'nccl', init_backend: str = 'torch',
              **kwargs: Any) -> None:
    """Initialise the default process group of a torchrun-launched script.

    Under the Trainer, Lightning's strategy launches the processes and creates
    the group, so this is only for plain scripts (e.g. offline evaluation)
    started with ``torchrun``. Vendor devices use their own backend
    (npu: hccl, mlu: cncl, musa: mccl), as in MMEngine.

    Args:
        launcher: Must be ``'pytorch'`` (``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` in
            the environment).
        backend: Backend of ``torch.distributed``. Defaults to ``'nccl'``.
        init_backend: Must be ``'torch'``.
        **kwargs: Passed to ``init_process_group``; ``timeout`` is in seconds.

    Raises:
        ValueError: For another launcher or init_backend.
        TypeError: If ``timeout`` is not a number of seconds.
    """
    if launcher != 'pytorch' or init_backend != 'torch':
        raise ValueError(
            f'init_dist(launcher={launcher!r}, init_backend={init_backend!r}) is not supported: '
            "only launcher='pytorch' with init_backend='torch' is. For SLURM, MPI, DeepSpeed or "
            'ColossalAI runs let the Lightning Trainer launch the processes (the Runner maps '
            '`launcher` to a strategy and cluster environment).')
    if kwargs.get('timeout') is not None:
        try:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        except TypeError as error:
            raise TypeError(
                'Timeout for distributed training must be provided as timeout in seconds, but '
                f"got {kwargs['timeout']!r} of type {type(kwargs['timeout'])}. Please specify "
                "it like this: dist_cfg=dict(backend='nccl', timeout=1800)") from error
    local_rank = int(os.environ['LOCAL_RANK'])
    for available, device, vendor_backend in ((is_npu_available, 'npu', 'hccl'),
                                              (is_mlu_available, 'mlu', 'cncl'),
                                              (is_musa_available, 'musa', 'mccl')):
        if available():
            getattr(torch, device).set_device(local_rank)
            backend = vendor_backend
            break
    else:
        if torch.cuda.is_available():
            torch.cuda.set_device(local_rank)
    kwargs.setdefault('rank', int(os.environ['RANK']))
    kwargs.setdefault('world_size', int(os.environ['WORLD_SIZE']))
    torch_dist.init_process_group(backend=backend, **kwargs)
