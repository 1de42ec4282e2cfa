"""Two nodes of one process each, simulated on this machine: ``torchrun --nnodes 2`` and SLURM.

Each node runs the same training script with ``launcher='pytorch'`` (under torchrun) or
``launcher='slurm'`` (with the variables ``srun`` sets). The checks: both ranks see a world of 2 on
2 nodes, each trains on its own half of every epoch (DefaultSampler shards by rank), each draws
from ``seed + rank`` (``diff_rank_seed``), the weights stay equal across ranks (DDP), and the
rank-0-only outputs (log folder, checkpoints, visualizer files) are written once.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent('''
    import json, sys

    import torch
    import torch.distributed as dist

    from mmlightning.dataset import DefaultSampler
    from mmlightning.registry import DATASETS, MODELS
    from mmlightning.runner import Runner

    sys.path.insert(0, sys.argv[3])  # tests/runner: its toy model and dataset
    from conftest import RunnerClassifier, RunnerPoints

    MODELS.register_module(module=RunnerClassifier, force=True)


    @DATASETS.register_module(force=True)
    class RecordedPoints(RunnerPoints):
        """Remembers which indices this rank loaded."""
        seen = []

        def __getitem__(self, index):
            RecordedPoints.seen.append(index)
            return super().__getitem__(index)


    out, launcher = sys.argv[1], sys.argv[2]
    runner = Runner(
        model=dict(type='RunnerClassifier'), work_dir=f'{out}/work_dir', launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        train_dataloader=dict(dataset=dict(type='RecordedPoints', size=16), batch_size=2,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=3, diff_rank_seed=True),
        trainer=dict(accelerator='cpu', enable_progress_bar=False))
    runner.train()
    trainer = runner.trainer
    report = dict(rank=dist.get_rank(), world_size=dist.get_world_size(),
                  num_nodes=trainer.num_nodes, node_rank=trainer.node_rank,
                  seen=RecordedPoints.seen, torch_draw=torch.rand(1).item(),
                  weights={k: v.tolist() for k, v in runner.model.state_dict().items()})
    with open(f'{out}/rank{report["rank"]}.json', 'w') as f:
        json.dump(report, f)
''')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _clean_env() -> dict[str, str]:
    dist_keys = ('RANK', 'LOCAL_RANK', 'NODE_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE',
                 'MASTER_ADDR', 'MASTER_PORT', 'GROUP_RANK')
    return {k: v for k, v in os.environ.items()
            if k not in dist_keys and not k.startswith(('SLURM_', 'TORCHELASTIC_'))}


def _run_nodes(commands: list[list[str]], envs: list[dict[str, str]], cwd: Path) -> None:
    nodes = []
    for command, env in zip(commands, envs):
        if nodes:  # the second node starts in another second: the ranks agree on rank 0's clock
            time.sleep(1.2)
        nodes.append(subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    outputs = [node.communicate(timeout=240)[0] for node in nodes]
    for node, output in zip(nodes, outputs):
        assert node.returncode == 0, output[-4000:]


def _reports(out: Path) -> list[dict]:
    return [json.loads((out / f'rank{rank}.json').read_text()) for rank in range(2)]


def _check(out: Path) -> None:
    reports = _reports(out)
    assert [(r['rank'], r['world_size'], r['num_nodes'], r['node_rank']) for r in reports] == [
        (0, 2, 2, 0), (1, 2, 2, 1)]
    for epoch in range(2):  # each epoch: 8 indices per rank, together all 16, none twice
        halves = [set(r['seen'][epoch * 8:(epoch + 1) * 8]) for r in reports]
        assert len(halves[0]) == len(halves[1]) == 8
        assert halves[0] | halves[1] == set(range(16))
    assert reports[0]['torch_draw'] != reports[1]['torch_draw']  # seed + rank
    assert reports[0]['weights'] == reports[1]['weights']         # one DDP model
    work_dir = out / 'work_dir'
    log_folders = [p for p in work_dir.iterdir() if p.is_dir()]
    assert len(log_folders) == 1, sorted(p.name for p in work_dir.iterdir())
    logs = list(log_folders[0].glob('*.log'))
    assert len(logs) == 1 and 'Epoch(train) [2][4/4]' in logs[0].read_text()
    assert sorted(p.name for p in work_dir.glob('*.ckpt')) == ['epoch_1.ckpt', 'epoch_2.ckpt']
    assert (log_folders[0] / 'vis_data' / 'scalars.json').is_file()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / 'train_node.py'
    path.write_text(SCRIPT)
    return path


def test_torchrun_two_nodes(script: Path, tmp_path: Path) -> None:
    torchrun = shutil.which('torchrun', path=str(Path(sys.executable).parent)) or 'torchrun'
    port = str(_free_port())
    commands = [[torchrun, '--nnodes', '2', '--nproc-per-node', '1', '--node-rank', str(node),
                 '--master-addr', '127.0.0.1', '--master-port', port, str(script), str(tmp_path),
                 'pytorch', str(Path(__file__).parents[1] / 'runner')] for node in range(2)]
    _run_nodes(commands, [_clean_env()] * 2, tmp_path)
    _check(tmp_path)


def test_slurm_two_nodes(script: Path, tmp_path: Path) -> None:
    port = str(_free_port())
    envs = []
    for node in range(2):  # what srun sets for one task on each of two nodes
        envs.append(dict(_clean_env(), SLURM_NTASKS='2', SLURM_NNODES='2',
                         SLURM_NTASKS_PER_NODE='1', SLURM_PROCID=str(node), SLURM_LOCALID='0',
                         SLURM_NODEID=str(node), SLURM_NODELIST='127.0.0.1',
                         SLURM_JOB_ID='4242', SLURM_JOB_NAME='train', MASTER_PORT=port))
    command = [sys.executable, str(script), str(tmp_path), 'slurm',
               str(Path(__file__).parents[1] / 'runner')]
    _run_nodes([command, command], envs, tmp_path)
    _check(tmp_path)


def test_layout_from_the_launchers_variables() -> None:
    from mmlightning.lightning.launcher_env import launched_layout

    assert launched_layout('pytorch', {'WORLD_SIZE': '8', 'LOCAL_WORLD_SIZE': '4'}) == {
        'devices': 4, 'num_nodes': 2}
    assert launched_layout('pytorch', {}) == {}
    assert launched_layout('slurm', {'SLURM_NTASKS': '6', 'SLURM_NNODES': '3',
                                     'SLURM_NTASKS_PER_NODE': '2(x3)'}) == {
        'devices': 2, 'num_nodes': 3}
    assert launched_layout('slurm', {'SLURM_NTASKS': '4', 'SLURM_JOB_NUM_NODES': '2'}) == {
        'devices': 2, 'num_nodes': 2}
    with pytest.raises(ValueError, match='does not split into nodes of 3'):
        launched_layout('pytorch', {'WORLD_SIZE': '4', 'LOCAL_WORLD_SIZE': '3'})
    with pytest.raises(ValueError, match='SLURM_NNODES=3'):
        launched_layout('slurm', {'SLURM_NTASKS': '4', 'SLURM_NNODES': '3',
                                  'SLURM_NTASKS_PER_NODE': '2'})
    with pytest.raises(ValueError, match="WORLD_SIZE='two' is not a number"):
        launched_layout('pytorch', {'WORLD_SIZE': 'two', 'LOCAL_WORLD_SIZE': '1'})
