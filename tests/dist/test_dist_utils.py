"""Local rank/size, launcher inference, init_dist, and the data-device helpers."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from mmlightning import dist
from mmlightning.dist import utils as dist_utils


@pytest.mark.parametrize('env, launcher', [
    ({'WORLD_SIZE': '2', 'SLURM_NTASKS': '2'}, 'pytorch'),
    ({'SLURM_NTASKS': '2', 'OMPI_COMM_WORLD_LOCAL_RANK': '0'}, 'slurm'),
    ({'OMPI_COMM_WORLD_LOCAL_RANK': '0'}, 'mpi'),
    ({}, 'none'),
])
def test_infer_launcher(monkeypatch, env, launcher):
    for name in ('WORLD_SIZE', 'SLURM_NTASKS', 'OMPI_COMM_WORLD_LOCAL_RANK'):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert dist.infer_launcher() == launcher


@pytest.mark.parametrize('launcher, init_backend', [('slurm', 'torch'), ('mpi', 'torch'),
                                                    ('none', 'torch'), ('pytorch', 'deepspeed')])
def test_init_dist_points_other_launchers_to_lightning(launcher, init_backend):
    with pytest.raises(ValueError, match=f"launcher={launcher!r}, init_backend={init_backend!r}.*"
                                         'let the Lightning Trainer launch'):
        dist.init_dist(launcher, init_backend=init_backend)


def test_init_dist_rejects_a_timeout_that_is_not_seconds():
    with pytest.raises(TypeError, match=r"timeout in seconds, but got '30m'.*timeout=1800"):
        dist.init_dist('pytorch', backend='gloo', timeout='30m')


def _init_dist_main(rank: int, workdir: str) -> None:
    os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0')
    dist.init_dist('pytorch', backend='gloo', init_method=f'file://{workdir}/init', timeout=60)
    try:
        Path(workdir, 'out').write_text(f'{dist.get_dist_info()} {dist.get_backend()}')
    finally:
        torch_dist.destroy_process_group()


def test_init_dist_initialises_the_default_group_from_the_environment(tmp_path):
    mp.start_processes(_init_dist_main, args=(str(tmp_path),), nprocs=1, start_method='fork')
    assert (tmp_path / 'out').read_text() == '(0, 1) gloo'


def test_local_rank_and_size_come_from_the_environment_when_no_local_group(monkeypatch):
    monkeypatch.setattr(dist_utils, 'is_distributed', lambda: True)
    monkeypatch.setenv('LOCAL_RANK', '3')
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '4')
    assert dist.get_local_rank() == 3 and dist.get_local_size() == 4
    monkeypatch.delenv('LOCAL_WORLD_SIZE')
    with pytest.raises(RuntimeError, match=r'local size .* no LOCAL_WORLD_SIZE environment .*'
                                           r'init_local_group\(node_rank, num_gpus_per_node\)'):
        dist.get_local_size()
    monkeypatch.delenv('LOCAL_RANK')
    with pytest.raises(RuntimeError, match='local rank .* no LOCAL_RANK environment'):
        dist.get_local_rank()
    with pytest.raises(RuntimeError, match='local process group is not created: call'):
        dist.get_local_group()


def test_get_data_device_of_nested_data():
    cpu = torch.device('cpu')
    assert dist.get_data_device(torch.zeros(1)) == cpu
    assert dist.get_data_device({'a': [torch.zeros(1), (torch.ones(2),)]}) == cpu
    with pytest.raises(ValueError, match='should not be empty'):
        dist.get_data_device([])
    with pytest.raises(ValueError, match='should not be empty'):
        dist.get_data_device({})
    with pytest.raises(ValueError, match='should be consistent, but got meta and cpu'):
        dist.get_data_device([torch.zeros(1), torch.zeros(1, device='meta')])
    with pytest.raises(TypeError, match="sequence of tensor or dict, but got 'ab'"):
        dist.get_data_device('ab')


def test_cast_data_device_keeps_container_types_and_fills_out():
    data = OrderedDict(a=torch.tensor([1.0]), b=[torch.tensor([2.0]), torch.tensor([3.0])])
    moved = dist.cast_data_device(data, torch.device('meta'))
    assert type(moved) is OrderedDict and type(moved['b']) is list
    assert moved['a'].device.type == 'meta'
    same = torch.tensor([4.0])
    assert dist.cast_data_device(same, torch.device('cpu')) is same
    out = OrderedDict(a=torch.zeros(1), b=[torch.zeros(1), torch.zeros(1)])
    dist.cast_data_device(data, torch.device('cpu'), out=out)
    assert [out['a'].item(), out['b'][0].item(), out['b'][1].item()] == [1.0, 2.0, 3.0]
    gen = dist.cast_data_device(tuple(t for t in [torch.ones(1)]), torch.device('cpu'))
    assert type(gen) is tuple


def test_cast_data_device_errors():
    cpu = torch.device('cpu')
    with pytest.raises(TypeError, match="same type with data, but got data is <class 'list'> "
                                        "and out is <class 'tuple'>"):
        dist.cast_data_device([torch.ones(1)], cpu, out=(torch.ones(1),))
    with pytest.raises(TypeError, match='out should not be a set'):
        dist.cast_data_device({torch.ones(1)}, cpu, out={torch.ones(1)})
    with pytest.raises(ValueError, match='length of data and out should be same, but got 1 and 2'):
        dist.cast_data_device({'a': torch.ones(1)}, cpu, out={'a': torch.ones(1), 'b': 1})
    with pytest.raises(ValueError, match='data should not be empty'):
        dist.cast_data_device({}, cpu)
    with pytest.raises(ValueError, match='data should not be empty'):
        dist.cast_data_device([], cpu)
    with pytest.raises(TypeError, match='list of tensor or dict, but got 3'):
        dist.cast_data_device([3], cpu)


@pytest.mark.parametrize('backend, expected', [('nccl', torch.device('cuda', 1)),
                                               ('smddp', torch.device('cuda', 1)),
                                               ('gloo', torch.device('cpu')),
                                               ('mpi', torch.device('cpu'))])
def test_comm_device_follows_the_backend(monkeypatch, backend, expected):
    from mmlightning.dist import data_device

    monkeypatch.setattr(data_device, 'get_backend', lambda group=None: backend)
    monkeypatch.setattr(torch.cuda, 'current_device', lambda: 1)
    assert dist.get_comm_device() == expected


VENDOR_SCRIPT = textwrap.dedent('''
    import types
    import torch
    from mmlightning.dist import data_device

    torch.utils.rename_privateuse1_backend('npu')  # what torch_npu does
    torch.npu = types.SimpleNamespace(current_device=lambda: 2)
    data_device.get_backend = lambda group=None: 'hccl'
    print(data_device.get_comm_device())
''')


def test_comm_device_of_a_vendor_backend():
    # renaming the privateuse1 backend changes torch for good: do it in a subprocess
    result = subprocess.run([sys.executable, '-c', VENDOR_SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'npu:2'


def test_init_local_group_errors(monkeypatch):
    with pytest.raises(ValueError, match=r'num_gpus_per_node=2 does not divide the world size 1'):
        dist.init_local_group(0, 2)
    monkeypatch.setattr(dist_utils, '_LOCAL_PROCESS_GROUP', object())
    with pytest.raises(RuntimeError, match='already called'):
        dist.init_local_group(0, 1)
