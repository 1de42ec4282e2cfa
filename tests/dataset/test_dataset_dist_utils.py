"""get_dist_info and sync_random_seed, alone and in a real two-process gloo group."""
from __future__ import annotations

import json

import numpy as np
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from mmlightning.dataset import DefaultSampler
from mmlightning.dataset.dist_utils import get_dist_info, get_rank, sync_random_seed


def test_single_process():
    assert get_dist_info() == (0, 1) and get_rank() == 0
    np.random.seed(0)
    first = sync_random_seed()
    np.random.seed(0)
    assert sync_random_seed() == first
    assert 0 <= first < 2**31


def _worker(rank: int, init_file: str, out_dir: str) -> None:
    torch_dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                  world_size=2)
    try:
        np.random.seed(rank)  # ranks draw different numbers; rank 0's must win
        seed = sync_random_seed()
        sampler = DefaultSampler(range(7))
        result = dict(info=list(get_dist_info()), seed=seed, sampler_seed=sampler.seed,
                      indices=list(sampler))
        with open(f'{out_dir}/rank{rank}.json', 'w') as f:
            json.dump(result, f)
    finally:
        torch_dist.destroy_process_group()


def test_two_ranks_share_the_seed_and_split_the_data(tmp_path):
    # fork: torch is already imported, so the workers start in milliseconds (CPU only)
    mp.start_processes(_worker, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2,
                       start_method='fork')
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in range(2)]
    assert [r['info'] for r in ranks] == [[0, 2], [1, 2]]
    np.random.seed(0)
    expected_seed = int(np.random.randint(2**31))
    assert ranks[0]['seed'] == ranks[1]['seed'] == expected_seed
    assert ranks[0]['sampler_seed'] == ranks[1]['sampler_seed']
    indices = ranks[0]['indices'] + ranks[1]['indices']
    assert len(ranks[0]['indices']) == len(ranks[1]['indices']) == 4
    assert sorted(set(indices)) == list(range(7))  # one index repeated by round_up
