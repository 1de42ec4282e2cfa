"""mmlightning.dist against mmengine.dist, in one process and on the same two-rank gloo group."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mmlightning import dist

mmengine_dist = pytest.importorskip('mmengine.dist')


def test_single_process_answers_match():
    for name in ('get_dist_info', 'get_rank', 'get_world_size', 'get_local_rank',
                 'get_local_size', 'is_distributed', 'is_main_process', 'get_backend',
                 'infer_launcher', 'get_comm_device'):
        assert getattr(dist, name)() == getattr(mmengine_dist, name)(), name
    for size in (0, 2, 10):
        assert dist.collect_results(list('abcd'), size) == mmengine_dist.collect_results(
            list('abcd'), size)
    np.random.seed(5)
    ours = dist.sync_random_seed()
    np.random.seed(5)
    assert ours == mmengine_dist.sync_random_seed()


def _both(rank: int, workdir: Path) -> dict:
    # parts of different lengths: rank 0 has one more result than rank 1
    part = [{'rank': rank, 'i': i} for i in range(4 - rank)]
    out = {}
    for size in (7, 5, 3):
        out[f'cpu_{size}'] = (
            dist.collect_results(part, size, tmpdir=str(workdir / 'ours')),
            mmengine_dist.collect_results(part, size, tmpdir=str(workdir / f'theirs{size}')))
        out[f'gpu_{size}'] = (dist.collect_results(part, size, device='gpu'),
                              mmengine_dist.collect_results(part, size, device='gpu'))
    for op in ('sum', 'mean', 'max'):
        ours, theirs = torch.tensor([rank + 1, 5]), torch.tensor([rank + 1, 5])
        dist.all_reduce(ours, op=op)
        mmengine_dist.all_reduce(theirs, op=op)
        out[f'all_reduce_{op}'] = (ours.tolist(), theirs.tolist())
    out['all_gather_object'] = (dist.all_gather_object(part), mmengine_dist.all_gather_object(part))
    np.random.seed(rank)
    ours_seed = dist.sync_random_seed()
    np.random.seed(rank)
    out['seed'] = (ours_seed, mmengine_dist.sync_random_seed())
    return out


def test_two_ranks_match_mmengine(run_two_ranks):
    for rank_result in run_two_ranks(_both):
        for key, (ours, theirs) in rank_result.items():
            assert ours == theirs, key


def test_same_public_names_as_mmengine():
    assert sorted(dist.__all__) == sorted(mmengine_dist.__all__)
