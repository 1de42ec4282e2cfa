"""Rank, world size and a shared random seed, read from ``torch.distributed``.

A stand-in for the few helpers of ``mmengine.dist`` that samplers and the
dataloader builder need; outside an initialised process group they report a
single process (rank 0 of 1).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.distributed as torch_dist


def _is_distributed() -> bool:
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_dist_info() -> tuple[int, int]:
    """Return ``(rank, world_size)`` of the default process group, or ``(0, 1)``.

    Returns:
        The rank of this process and the number of processes.
    """
    if not _is_distributed():
        return 0, 1
    return torch_dist.get_rank(), torch_dist.get_world_size()


def get_rank() -> int:
    """Return the rank of this process in the default group (0 when not distributed)."""
    return get_dist_info()[0]


def sync_random_seed() -> int:
    """Return a random seed that is the same on every rank.

    Rank 0 draws ``np.random.randint(2**31)`` and broadcasts it, so all ranks
    shuffle with the same permutation and then take disjoint slices of it
    (MMEngine's ``mmengine.dist.sync_random_seed``).

    Returns:
        The seed, identical across the default process group.
    """
    seed = int(np.random.randint(2**31))
    rank, world_size = get_dist_info()
    if world_size == 1:
        return seed
    device = torch.device('cpu')
    if torch_dist.get_backend() == torch_dist.Backend.NCCL:
        device = torch.device('cuda', torch.cuda.current_device())
    random_num = torch.tensor(seed if rank == 0 else 0, dtype=torch.int32, device=device)
    torch_dist.broadcast(random_num, src=0)
    return int(random_num.item())
