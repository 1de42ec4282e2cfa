"""The RNG states in checkpoints: one per rank, each rank restoring its own.

``gather_rng_states`` writes every rank's states (plus rank 0's under the key
older checkpoints had), ``rng_state_for_rank`` picks what a rank restores, and
``MMLightningModule`` goes through both. The 2-process run is in
``tests/runner/test_resume_exact_ddp.py``.
"""
from __future__ import annotations

import io
import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from mmlightning.lightning import rng_state
from mmlightning.lightning.module import CHECKPOINT_KEY, MMLightningModule
from mmlightning.lightning.rng_state import (
    RNG_KEY,
    RNG_PER_RANK_KEY,
    capture_rng_state,
    gather_rng_states,
    restore_rng_state,
    rng_state_for_rank,
)


def draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.rand(3)


def state_of_seed(seed: int) -> dict[str, Any]:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return capture_rng_state()


def same_draws(first: tuple, second: tuple) -> bool:
    return first[:2] == second[:2] and torch.equal(first[2], second[2])


def weights_only_round_trip(value: Any) -> Any:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def saved_by(module: MMLightningModule) -> dict[str, Any]:
    checkpoint: dict[str, Any] = {}
    module.on_save_checkpoint(checkpoint)
    return checkpoint


def test_restore_replays_the_draws() -> None:
    state = state_of_seed(0)
    expected = draws()
    draws()
    restore_rng_state(weights_only_round_trip(state))
    assert same_draws(draws(), expected)


def test_single_process_entries_hold_one_state_under_both_keys() -> None:
    state_of_seed(0)
    expected = draws()
    state_of_seed(0)
    saved = weights_only_round_trip(gather_rng_states(distributed=False))
    assert set(saved) == {RNG_KEY, RNG_PER_RANK_KEY}
    assert len(saved[RNG_PER_RANK_KEY]) == 1
    assert saved[RNG_KEY] is saved[RNG_PER_RANK_KEY][0]  # written once
    restore_rng_state(rng_state_for_rank(saved, rank=0, world_size=1))
    assert same_draws(draws(), expected)


def test_gathered_entries_give_each_rank_its_own_state(monkeypatch: pytest.MonkeyPatch) -> None:
    other = state_of_seed(1)
    monkeypatch.setattr(rng_state, 'all_gather_object', lambda own: [own, other])
    own = state_of_seed(0)
    saved = weights_only_round_trip(gather_rng_states(distributed=True))
    assert saved[RNG_KEY] is saved[RNG_PER_RANK_KEY][0]
    for rank, expected in enumerate((own, other)):
        picked = rng_state_for_rank(saved, rank=rank, world_size=2)
        assert torch.equal(picked['torch'], expected['torch'])
        assert picked['python'] == expected['python']


def test_another_world_size_restores_nothing_and_warns() -> None:
    saved = dict(rng=state_of_seed(0), rng_per_rank=[state_of_seed(0), state_of_seed(1)])
    for world_size in (1, 4):
        with pytest.warns(UserWarning, match=rf'RNG states of 2 process\(es\) but this run has '
                                             rf'{world_size}: .*not bitwise exact'):
            assert rng_state_for_rank(saved, rank=0, world_size=world_size) is None


def test_checkpoints_with_one_state_restore_it_on_every_rank() -> None:
    saved = dict(rng=state_of_seed(0))  # written before the per-rank entries
    assert rng_state_for_rank(saved, rank=0, world_size=1) is saved['rng']
    with pytest.warns(UserWarning, match='one process only.*all 2 ranks restore them'):
        assert rng_state_for_rank(saved, rank=1, world_size=2) is saved['rng']
    assert rng_state_for_rank({}, rank=0, world_size=1) is None


def test_module_restores_its_state_when_training_resumes(
        make_model: Callable[[], Any]) -> None:
    """Without a Trainer the module is one process (rank 0 of 1)."""
    module = MMLightningModule(make_model())
    state_of_seed(0)
    expected = draws()
    state_of_seed(0)
    checkpoint = weights_only_round_trip(saved_by(module))
    assert len(checkpoint[CHECKPOINT_KEY][RNG_PER_RANK_KEY]) == 1
    draws()
    module.on_load_checkpoint(checkpoint)
    module.on_train_batch_start(batch=None, batch_idx=0)
    assert same_draws(draws(), expected)


def test_module_from_another_world_size_warns_when_training_resumes(
        make_model: Callable[[], Any]) -> None:
    two_ranks = {CHECKPOINT_KEY: dict(iter=3, rng_per_rank=[state_of_seed(1), state_of_seed(2)])}
    module = MMLightningModule(make_model())
    with warnings.catch_warnings():  # validate(ckpt_path=...) stops here: no warning
        warnings.simplefilter('error')
        module.on_load_checkpoint(two_ranks)
    assert module.iter == 3
    state_of_seed(0)
    expected = draws()
    state_of_seed(0)
    with pytest.warns(UserWarning, match='not bitwise exact'):
        module.on_train_batch_start(batch=None, batch_idx=0)
    assert same_draws(draws(), expected)  # the generators were left alone
