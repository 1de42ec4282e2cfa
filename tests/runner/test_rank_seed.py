"""RankSeed: ``seed + rank`` once the ranks are known, once per process."""
from __future__ import annotations

from types import SimpleNamespace

import torch

from mmlightning.runner.rank_seed import RankSeed
from mmlightning.runner.utils import set_random_seed


def _draw() -> torch.Tensor:
    return torch.rand(3)


def test_seeds_with_seed_plus_rank_once() -> None:
    set_random_seed(8)
    expected = _draw()
    callback = RankSeed(seed=5)
    torch.manual_seed(123)
    callback.setup(SimpleNamespace(world_size=2, global_rank=3), None, 'fit')
    assert torch.equal(_draw(), expected)
    state = torch.get_rng_state()
    callback.setup(SimpleNamespace(world_size=2, global_rank=3), None, 'test')
    assert torch.equal(torch.get_rng_state(), state)  # a later validate/test keeps the stream


def test_single_process_is_left_alone() -> None:
    torch.manual_seed(123)
    state = torch.get_rng_state()
    RankSeed(seed=5).setup(SimpleNamespace(world_size=1, global_rank=0), None, 'fit')
    assert torch.equal(torch.get_rng_state(), state)
