"""Every collective on a real two-process gloo group (forked ranks, file:// rendezvous)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from mmlightning import dist


def _collectives(rank: int, workdir: Path) -> dict:
    out: dict = {'info': dist.get_dist_info(), 'main': dist.is_main_process(),
                 'backend': dist.get_backend(), 'comm': str(dist.get_comm_device()),
                 'distributed': dist.is_distributed()}
    data = torch.tensor([rank + 1.0, rank + 2.0])
    dist.broadcast(data)
    out['broadcast'] = data.tolist()
    data = torch.tensor([rank * 10])
    dist.broadcast(data, src=1)
    out['broadcast_src1'] = data.tolist()
    for op in ('sum', 'mean', 'max', 'min', 'product'):
        data = torch.tensor([rank + 1.0, 3.0 * rank])
        dist.all_reduce(data, op=op)
        out[f'all_reduce_{op}'] = data.tolist()
    values = {'b': torch.tensor([rank, 1]), 'a': torch.full((2, 2), rank + 1)}
    dist.all_reduce_dict(values)
    out['all_reduce_dict'] = {k: v.tolist() for k, v in values.items()}
    params = [torch.nn.Parameter(torch.full((2,), rank + 1.0)), torch.tensor([rank])]
    dist.all_reduce_params(params, op='max')
    out['all_reduce_params'] = [p.data.tolist() for p in params]
    single = [torch.nn.Parameter(torch.full((2,), rank + 1.0))]
    dist.all_reduce_params(single, coalesce=False, bucket_size_mb=1)
    out['all_reduce_params_uncoalesced'] = single[0].data.tolist()
    out['all_gather'] = [t.tolist() for t in dist.all_gather(torch.tensor([rank, -rank]))]
    out['gather'] = [t.tolist() for t in dist.gather(torch.tensor([rank]))]
    out['gather_dst1'] = [t.tolist() for t in dist.gather(torch.tensor([rank]), dst=1)]
    out['all_gather_object'] = dist.all_gather_object({'rank': rank, 'name': 'r' * (rank + 1)})
    out['gather_object'] = dist.gather_object(('r', rank))
    objects = [{'from': rank}, rank] if rank == 0 else [None, None]
    dist.broadcast_object_list(objects)
    out['broadcast_object_list'] = objects

    np.random.seed(100 + rank)  # each rank draws a different number; rank 0's wins
    out['seed'] = dist.sync_random_seed()

    @dist.master_only
    def only_main() -> str:
        return f'ran on {rank}'

    out['master_only'] = only_main()
    out['local'] = (dist.get_local_rank(), dist.get_local_size())
    dist.init_local_group(node_rank=0, num_gpus_per_node=2)
    out['local_group'] = (dist.get_local_rank(), dist.get_local_size())
    dist.barrier()
    return out


def test_collectives_on_two_ranks(run_two_ranks, monkeypatch):
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '2')  # inherited by the forked ranks
    r0, r1 = run_two_ranks(_collectives)
    assert (r0['info'], r1['info']) == ((0, 2), (1, 2))
    assert (r0['main'], r1['main']) == (True, False)
    assert r0['backend'] == 'gloo' and r0['comm'] == 'cpu' and r0['distributed']
    np.random.seed(100)
    expected_seed = int(np.random.randint(2**31))
    expected_both = {
        'broadcast': [1.0, 2.0],
        'broadcast_src1': [10],
        'all_reduce_sum': [3.0, 3.0],
        'all_reduce_mean': [1.5, 1.5],
        'all_reduce_max': [2.0, 3.0],
        'all_reduce_min': [1.0, 0.0],
        'all_reduce_product': [2.0, 0.0],
        'all_reduce_dict': {'a': [[3, 3], [3, 3]], 'b': [1, 2]},
        'all_reduce_params': [[2.0, 2.0], [1]],
        'all_reduce_params_uncoalesced': [3.0, 3.0],
        'all_gather': [[0, 0], [1, -1]],
        'all_gather_object': [{'rank': 0, 'name': 'r'}, {'rank': 1, 'name': 'rr'}],
        'broadcast_object_list': [{'from': 0}, 0],
        'seed': expected_seed,
    }
    for key, value in expected_both.items():
        assert r0[key] == value and r1[key] == value, key
    assert (r0['gather'], r1['gather']) == ([[0], [1]], [])
    assert (r0['gather_dst1'], r1['gather_dst1']) == ([], [[0], [1]])
    assert (r0['gather_object'], r1['gather_object']) == ([('r', 0), ('r', 1)], None)
    assert (r0['master_only'], r1['master_only']) == ('ran on 0', None)
    assert (r0['local'], r1['local']) == ((0, 2), (1, 2))
    assert (r0['local_group'], r1['local_group']) == ((0, 2), (1, 2))


def _collect(rank: int, workdir: Path) -> dict:
    # DefaultSampler(round_up=True) over 7 samples: rank 0 gets 0, 2, 4, 6 and rank 1 gets
    # 1, 3, 5 plus a padding repeat of 0
    part = [f's{i}' for i in range(rank, 7, 2)] + (['s0'] if rank == 1 else [])
    os.chdir(workdir)  # the default temporary parent, .dist_test, is made in the cwd
    shared = workdir / 'collect_dir'
    out = {
        'cpu_default_dir': dist.collect_results(part, 7),
        'cpu_collect_dir': dist.collect_results(part, 7, tmpdir=str(shared)),
        'cpu_collect_dir_again': dist.collect_results_cpu(part, 5, tmpdir=str(shared)),
        'gpu_mode': dist.collect_results(part, 7, device='gpu'),
        'gpu_helper': dist.collect_results_gpu(part, 8),
        'uneven': dist.collect_results([None] * (rank + 1), 3),
    }
    (workdir / 'not_a_dir').write_text('')
    try:
        dist.collect_results(part, 7, tmpdir=str(workdir / 'not_a_dir'))
    except OSError as error:  # raised on both ranks, none left waiting
        out['bad_dir_error'] = str(error)
    dist.barrier()
    out['leftovers'] = sorted(p.name for p in workdir.iterdir())
    out['shared_left'] = sorted(p.name for p in shared.iterdir())
    return out


def test_collect_results_interleaves_ranks_and_drops_padding(run_two_ranks):
    r0, r1 = run_two_ranks(_collect)
    in_order = [f's{i}' for i in range(7)]
    assert r0['cpu_default_dir'] == in_order and r1['cpu_default_dir'] is None
    assert r0['cpu_collect_dir'] == in_order and r1['cpu_collect_dir'] is None
    assert r0['cpu_collect_dir_again'] == in_order[:5]
    assert r0['gpu_mode'] == in_order and r1['gpu_mode'] is None
    assert r0['gpu_helper'] == in_order + ['s0'] and r1['gpu_helper'] is None
    assert r0['uneven'] == [None, None, None]  # None results are kept, unlike MMEngine
    for rank in (r0, r1):
        assert "rank 0 could not create a temporary directory under" in rank['bad_dir_error']
        assert 'not_a_dir' in rank['bad_dir_error']
    # the user's collect_dir stays (empty), the default .dist_test parent is removed
    assert '.dist_test' not in r0['leftovers'] and 'collect_dir' in r0['leftovers']
    assert r0['shared_left'] == []
