"""SIGKILL a training process at several points, checkpoint writes included, then resume.

Each time, what is on disk resumes (``Runner(resume=True)`` reads
``work_dir/last_checkpoint``) and training finishes with exactly the weights of
an uninterrupted run: no checkpoint is ever left truncated at its final path.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

SCRIPT = textwrap.dedent('''
    import os
    import signal
    import sys

    import torch
    from torch import nn

    from mmlightning.hooks import Hook
    from mmlightning.model import BaseModel
    from mmlightning.registry import DATASETS, HOOKS, MODELS
    from mmlightning.runner import Runner

    work_dir, kill = sys.argv[1], sys.argv[2]


    @DATASETS.register_module()
    class KillPoints(torch.utils.data.Dataset):
        def __init__(self):
            generator = torch.Generator().manual_seed(0)
            self.points = torch.randn(12, 4, generator=generator)

        def __len__(self):
            return len(self.points)

        def __getitem__(self, index):
            return dict(inputs=self.points[index], data_samples=int(self.points[index].sum() > 0))


    @MODELS.register_module()
    class KillNet(BaseModel):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.3), nn.Linear(8, 2))

        def forward(self, inputs, data_samples=None, mode='tensor'):
            logits = self.net(torch.stack(inputs))
            return dict(loss=nn.functional.cross_entropy(logits, torch.tensor(data_samples)))


    @HOOKS.register_module()
    class KillAt(Hook):
        """Kills the process after iteration N, or during the N-th checkpoint write."""

        priority = 'LOWEST'

        def __init__(self, spec):
            self.point, _, number = spec.partition(':')
            self.number = int(number or 0)
            self.saves = 0

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if self.point == 'iter' and runner.iter + 1 == self.number:
                os.kill(os.getpid(), signal.SIGKILL)

        def before_save_checkpoint(self, runner, checkpoint):
            self.saves += 1
            if self.point == 'save' and self.saves == self.number:
                import lightning.fabric.plugins.io.torch_io as torch_io

                def crash(checkpoint, path):  # half a file where the checkpoint is being written
                    with open(path, 'wb') as f:
                        f.write(b'PK' * 1000)
                        f.flush()
                    os.kill(os.getpid(), signal.SIGKILL)

                torch_io._atomic_save = crash


    runner = Runner(
        model=dict(type='KillNet'), work_dir=work_dir,
        train_dataloader=dict(dataset=dict(type='KillPoints'), batch_size=3,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=10),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2)),
        param_scheduler=[dict(type='LinearLR', start_factor=0.2, by_epoch=False, end=3),
                         dict(type='CosineAnnealingLR', by_epoch=False, begin=3, end=10)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=[dict(type='KillAt', spec=kill)] if kill != 'none' else [],
        resume=kill == 'resume', randomness=dict(seed=0), log_level='WARNING',
        trainer=dict(enable_progress_bar=False))
    runner.train()
    torch.save(runner.model.state_dict(), os.path.join(work_dir, 'final_weights.pt'))
''')


def run(script: Path, work_dir: Path, kill: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), str(work_dir), kill],
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope='module')
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp('kill')
    script = folder / 'train.py'
    script.write_text(SCRIPT)
    result = run(script, folder / 'uninterrupted', 'none')
    assert result.returncode == 0, result.stderr[-2000:]
    return script, torch.load(folder / 'uninterrupted' / 'final_weights.pt')


@pytest.mark.parametrize('kill', ['iter:1', 'iter:5', 'save:3', 'save:5'],
                         ids=['before any checkpoint', 'mid-epoch, between iterations',
                              'during the 3rd checkpoint write', 'during the last write'])
def test_killed_run_resumes_exactly(kill: str, reference: tuple[Path, dict],
                                    tmp_path: Path) -> None:
    script, expected = reference
    killed = run(script, tmp_path, kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    for checkpoint in tmp_path.glob('*.ckpt'):  # every file at a final path is whole
        torch.load(checkpoint, map_location='cpu', weights_only=False)
    resumed = run(script, tmp_path, 'resume')
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = torch.load(tmp_path / 'final_weights.pt')
    for name, value in expected.items():
        assert torch.equal(final[name], value), name
