"""Seeding each rank with ``seed + rank`` once Lightning has started the processes.

MMEngine's Runner starts the process group before it seeds, so
``randomness=dict(diff_rank_seed=True)`` gives every rank ``seed + rank``. Under
Lightning the Runner is built first and the Trainer starts DDP later (and
``ddp_spawn`` starts the workers only then), so at ``Runner.__init__`` every process
is still rank 0. :class:`RankSeed` seeds again once the ranks are known.
"""
from __future__ import annotations

from typing import Any

from lightning.pytorch import Callback

from .utils import set_random_seed


class RankSeed(Callback):
    """Seed ``random``, NumPy and torch with ``seed + global rank`` at the first ``setup``.

    It seeds once per process, and only under several processes (a single process
    was seeded with ``seed + 0`` already). A resumed run restores the checkpoint's
    RNG states later, before its first batch, so a resume stays exact.

    Args:
        seed: The run's seed, before the rank is added.
        deterministic: ``randomness.deterministic``.
    """

    def __init__(self, seed: int, deterministic: bool = False) -> None:
        self.seed = seed
        self.deterministic = deterministic
        self._seeded = False

    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        """Seed with ``seed + trainer.global_rank`` the first time, under several processes."""
        if self._seeded or trainer.world_size <= 1:
            return
        set_random_seed(self.seed + trainer.global_rank, self.deterministic)
        self._seeded = True
