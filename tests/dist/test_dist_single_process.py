"""Outside a process group every helper describes one process and collectives are identities."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning import dist


def test_queries_describe_one_process():
    assert dist.is_distributed() is False
    assert dist.get_dist_info() == (0, 1)
    assert dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_local_rank() == 0 and dist.get_local_size() == 1
    assert dist.is_main_process()
    assert dist.get_backend() is None
    assert dist.get_default_group() is None and dist.get_local_group() is None
    assert dist.get_comm_device() == torch.device('cpu')
    dist.barrier()  # returns at once


def test_master_only_runs_on_the_main_process():
    @dist.master_only
    def add(a, b=1):
        """Docstring kept."""
        return a + b

    assert add(1, b=2) == 3
    assert add.__doc__ == 'Docstring kept.' and add.__name__ == 'add'


def test_tensor_collectives_leave_data_alone():
    data = torch.tensor([1.0, 2.0])
    for op in ('sum', 'mean', 'MAX', 'product'):
        dist.all_reduce(data, op=op)
    assert data.tolist() == [1.0, 2.0]
    dist.broadcast(data)
    assert data.tolist() == [1.0, 2.0]
    assert dist.all_gather(data)[0] is data
    assert dist.gather(data)[0] is data
    values = {'a': torch.ones(2)}
    dist.all_reduce_dict(values)
    assert values['a'].tolist() == [1.0, 1.0]
    params = [torch.nn.Parameter(torch.ones(3))]
    dist.all_reduce_params(params)
    assert params[0].data.tolist() == [1.0, 1.0, 1.0]


def test_object_collectives_leave_data_alone():
    obj = {'a': [1, 2]}
    assert dist.all_gather_object(obj) == [obj]
    assert dist.gather_object(obj) == [obj]
    items = ['foo', 12]
    dist.broadcast_object_list(items)
    assert items == ['foo', 12]


@pytest.mark.parametrize('mode', ['cpu', 'gpu', 'npu'])
def test_collect_results_truncates_to_size(mode):
    assert dist.collect_results(list(range(5)), 3, device=mode) == [0, 1, 2]
    assert dist.collect_results([None, 1], 5, device=mode) == [None, 1]


def test_collect_helpers_truncate():
    assert dist.collect_results_cpu([1, 2, 3], 2) == [1, 2]
    assert dist.collect_results_gpu([1, 2, 3], 2) == [1, 2]


def test_sync_random_seed_is_numpys_draw():
    np.random.seed(3)
    expected = int(np.random.randint(2**31))
    np.random.seed(3)
    seed = dist.sync_random_seed()
    assert seed == expected and isinstance(seed, int)


def test_unknown_reduce_op_is_rejected_even_in_one_process():
    with pytest.raises(ValueError, match=r"reduce op should be one of .* got 'summ'.*'sum'"):
        dist.all_reduce(torch.ones(1), op='summ')
    with pytest.raises(ValueError, match="got 'avg'"):
        dist.all_reduce_dict({'a': torch.ones(1)}, op='avg')
    with pytest.raises(ValueError, match="got 'add'"):
        dist.all_reduce_params([torch.ones(1)], op='add')


def test_wrong_container_types_are_rejected():
    with pytest.raises(TypeError, match=r'expects a list .* got tuple; wrap the object'):
        dist.broadcast_object_list(('a',))
    with pytest.raises(TypeError, match='expects a dict of tensors, got list'):
        dist.all_reduce_dict([torch.ones(1)])


def test_collect_results_rejects_bad_device_and_tmpdir():
    with pytest.raises(NotImplementedError, match="'cpu', 'gpu' or 'npu', but got 'cuda'"):
        dist.collect_results([1], 1, device='cuda')
    with pytest.raises(ValueError, match="tmpdir should be None when device is 'gpu'"):
        dist.collect_results([1], 1, device='gpu', tmpdir='/tmp/x')
