"""The random number generators' states, as checkpoint-safe values.

Lightning does not checkpoint the RNGs, so a model with dropout does not
resume exactly; MMEngine does not either. The states are stored as tensors,
ints and strings only, so checkpoints still load with ``weights_only=True``.

Under DDP the ranks may have streams of their own (seeded with ``seed + rank``,
as ``randomness=dict(diff_rank_seed=True)`` asks), so a checkpoint holds every
rank's states, gathered by :func:`gather_rng_states`; on resume
:func:`rng_state_for_rank` picks the one a rank restores.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_warn

from mmlightning.dist import all_gather_object

#: The checkpoint entry with one process's states: rank 0's, the process that writes.
RNG_KEY = 'rng'
#: The checkpoint entry with every rank's states, in rank order (one item in a single process).
RNG_PER_RANK_KEY = 'rng_per_rank'


def capture_rng_state() -> dict[str, Any]:
    """The states of Python's, NumPy's and torch's (CPU and CUDA) generators."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = dict(
        python=random.getstate(), torch=torch.get_rng_state(),
        numpy=dict(name=name, keys=torch.from_numpy(keys.astype(np.int64)), position=position,
                   has_gauss=has_gauss, cached=cached))
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Set the generators back to a state from :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state['torch'])
    saved = state['numpy']
    np.random.set_state((saved['name'], saved['keys'].numpy().astype(np.uint32),
                         saved['position'], saved['has_gauss'], saved['cached']))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def gather_rng_states(distributed: bool) -> dict[str, Any]:
    """The checkpoint entries for the RNG states of every rank.

    Args:
        distributed: Gather over the default process group. This is a collective
            call: every rank must make it, in the same order relative to the other
            collectives (as every rank runs ``on_save_checkpoint`` inside
            ``Trainer.save_checkpoint``). ``False`` captures this process alone.

    Returns:
        ``{RNG_KEY: rank 0's states, RNG_PER_RANK_KEY: [rank 0's, rank 1's, ...]}``;
        the first entry is the second's first item (one object, so written once),
        which keeps the checkpoint readable by versions that know ``RNG_KEY`` only.
    """
    own = capture_rng_state()
    states = all_gather_object(own) if distributed else [own]
    return {RNG_KEY: states[0], RNG_PER_RANK_KEY: states}


def rng_state_for_rank(saved: Mapping[str, Any], rank: int,
                       world_size: int) -> dict[str, Any] | None:
    """The RNG states ``rank`` restores from a checkpoint's entries.

    * Entries from :func:`gather_rng_states` with as many ranks as this run:
      the rank's own states; the resume is bitwise exact.
    * Entries from another world size: ``None`` (with a warning). Data
      sharding differs anyway, so no mapping of saved to current ranks makes
      the resume exact; the ranks keep the generators the run seeded
      (``seed + rank`` under ``diff_rank_seed``), which keeps their streams
      distinct, where giving every rank one saved state would not.
    * Only ``RNG_KEY`` (a checkpoint from before the per-rank entries): those
      states, on every rank, as then; with a warning under several processes,
      since they were rank 0's and are exact only where the ranks shared one
      stream (no ``diff_rank_seed``).
    * Neither entry: ``None``.

    Args:
        saved: The checkpoint entries (the ``'mmlightning'`` dict).
        rank: This process's global rank.
        world_size: The number of processes of this run.

    Returns:
        The states to pass to :func:`restore_rng_state`, or ``None`` to restore nothing.
    """
    per_rank = saved.get(RNG_PER_RANK_KEY)
    if per_rank is None:
        legacy = saved.get(RNG_KEY)
        if legacy is not None and world_size > 1:
            rank_zero_warn(f'the checkpoint holds the RNG states of one process only (written '
                           f'before per-rank states were saved): all {world_size} ranks restore '
                           'them, so the resume is not bitwise exact if the ranks had different '
                           'random streams (randomness=dict(diff_rank_seed=True))')
        return legacy
    if len(per_rank) != world_size:
        rank_zero_warn(f'the checkpoint holds the RNG states of {len(per_rank)} process(es) but '
                       f'this run has {world_size}: no RNG states are restored, each rank keeps '
                       'its seeded generators, and the resume is not bitwise exact')
        return None
    return per_rank[rank]
