"""Stopped and resumed 2-process DDP training ends bitwise equal to uninterrupted training.

Two CPU processes (gloo) train the dropout model of ``test_resume_exact.py``
with ``randomness=dict(seed=0, diff_rank_seed=True)``: each rank draws its own
dropout masks (the Runner's ``RankSeed`` callback seeds them with ``seed + rank``
once Lightning has started the processes), so each rank must restore its own RNG
states. The checkpoint holds them all; one stripped down to rank 0's states (what checkpoints held
before) resumes with a warning and does not end where the uninterrupted run does.

``strategy='ddp'`` starts rank 1 by running the script again, so the runs live
in a script that imports the model, dataset and config of the single-process
test, and each rank writes its final weights to a file.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from mmlightning.lightning.rng_state import RNG_KEY, RNG_PER_RANK_KEY

RESUME_FROM = 'iter_3.ckpt'  # 2 iterations per epoch and rank: mid-epoch

SCRIPT = textwrap.dedent('''
    import sys

    import torch
    import torch.distributed as dist

    out, here = sys.argv[1], sys.argv[2]
    sys.path.insert(0, here)  # tests/runner: the single-process test and its conftest
    from conftest import RunnerPoints
    from test_resume_exact import DropoutClassifier, experiment, weights

    from mmlightning.registry import DATASETS, MODELS
    from mmlightning.runner import Runner

    MODELS.register_module(module=DropoutClassifier, force=True)
    DATASETS.register_module(module=RunnerPoints, force=True)
    RANDOMNESS = dict(seed=0, diff_rank_seed=True)


    def train(name, **extra):
        cfg = experiment(f'{out}/{name}', by_epoch=False, **extra)
        cfg.update(randomness=RANDOMNESS, log_level='WARNING',
                   trainer=dict(cfg['trainer'], accelerator='cpu', devices=2, strategy='ddp'))
        runner = Runner(**cfg)
        runner.train()
        torch.save(weights(runner), f'{out}/{name}/weights{dist.get_rank()}.pt')


    train('uninterrupted')
    checkpoint = f'{out}/uninterrupted/{sys.argv[3]}'
    train('resumed', resume=checkpoint)
    if dist.get_rank() == 0:  # what checkpoints held before: rank 0's states only
        saved = torch.load(checkpoint, weights_only=True)
        del saved['mmlightning']['rng_per_rank']
        torch.save(saved, f'{out}/legacy.ckpt')
    dist.barrier()
    train('legacy', resume=f'{out}/legacy.ckpt')
''')


@pytest.fixture(scope='module')
def ddp_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Run the three 2-process trainings once; return their folder and stderr."""
    out = tmp_path_factory.mktemp('ddp_resume')
    script = out / 'resume_ddp.py'
    script.write_text(SCRIPT)
    env = {key: value for key, value in os.environ.items()
           if key not in ('LOCAL_RANK', 'NODE_RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')}
    result = subprocess.run([sys.executable, str(script), str(out), str(Path(__file__).parent),
                             RESUME_FROM], cwd=out, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stderr


def final_weights(out: Path, run: str) -> dict[str, torch.Tensor]:
    """The run's final weights, checked equal on both ranks."""
    per_rank = [torch.load(out / run / f'weights{rank}.pt') for rank in (0, 1)]
    for name, value in per_rank[0].items():
        assert torch.equal(per_rank[1][name], value), (run, name)
    return per_rank[0]


def differs(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]) -> bool:
    return any(not torch.equal(first[name], second[name]) for name in first)


def test_ddp_resume_is_bitwise_exact(ddp_runs: tuple[Path, str]) -> None:
    out, _ = ddp_runs
    expected, got = final_weights(out, 'uninterrupted'), final_weights(out, 'resumed')
    for name in expected:
        assert torch.equal(got[name], expected[name]), name


def test_checkpoint_holds_each_ranks_distinct_states(ddp_runs: tuple[Path, str]) -> None:
    out, _ = ddp_runs
    saved = torch.load(out / 'uninterrupted' / RESUME_FROM, weights_only=True)['mmlightning']
    first, second = saved[RNG_PER_RANK_KEY]
    assert saved[RNG_KEY] is first  # rank 0's states, stored once
    assert not torch.equal(first['torch'], second['torch'])  # diff_rank_seed: distinct streams
    assert first['python'] != second['python']


def test_rank0_states_on_every_rank_is_not_exact(ddp_runs: tuple[Path, str]) -> None:
    """The old behaviour, from a checkpoint with rank 0's states only: it still resumes."""
    out, stderr = ddp_runs
    assert differs(final_weights(out, 'legacy'), final_weights(out, 'uninterrupted'))
    assert 'holds the RNG states of one process only' in stderr
