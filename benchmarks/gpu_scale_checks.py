"""Two checks of ``gpu_check.py``: exact resume on the device, and DDP on all its GPUs.

* :func:`exact_resume`: the CNN trained 2 epochs in one go against 1 epoch, then resumed from
  its checkpoint for the second (``randomness.deterministic=True``); the weights must be
  bitwise equal.
* :func:`ddp`: ``gpu_ddp_worker.py`` in a subprocess trains with ``strategy='ddp'`` (or
  ``'fsdp'``, Lightning's FSDP strategy, CUDA only) on ``devices`` processes (all visible GPUs;
  2 CPU processes with gloo in a dry run): every rank reports the samples it saw and a checksum
  of its (full) weights; the shards must be disjoint and cover the epoch, the weights equal on
  every rank.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import torch
from overhead_variants import TensorPairs, cnn, mm_classifier

WORKER = Path(__file__).with_name('gpu_ddp_worker.py')


def _runner(work_dir: str, device: torch.device, state: dict[str, torch.Tensor],
            data: TensorPairs, epochs: int, resume: bool) -> Any:
    from mmlightning.model import BaseModel
    from mmlightning.runner import Runner

    net = cnn()
    net.load_state_dict(state)
    return Runner(
        model=mm_classifier(BaseModel)(net), work_dir=work_dir, resume=resume,
        experiment_name=uuid.uuid4().hex, log_level='ERROR',
        train_dataloader=dict(dataset=data, batch_size=32, collate_fn=dict(type='pseudo_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        randomness=dict(seed=0, deterministic=True),
        trainer=dict(accelerator=device.type, enable_progress_bar=False))


def exact_resume(device: torch.device, samples: int = 512) -> dict[str, Any]:
    """Weights after 2 epochs, uninterrupted against 1 + resumed 1."""
    data = TensorPairs(samples, (3, 32, 32), 10, seed=0)
    torch.manual_seed(0)
    state = cnn().state_dict()
    with tempfile.TemporaryDirectory(prefix='gpu_resume_') as root:
        straight = _runner(f'{root}/straight', device, state, data, 2, resume=False)
        straight.train()
        _runner(f'{root}/halves', device, state, data, 1, resume=False).train()
        resumed = _runner(f'{root}/halves', device, state, data, 2, resume=True)
        resumed.train()
        pairs = list(zip(straight.model.state_dict().values(),
                         resumed.model.state_dict().values()))
    max_diff = max((a.float() - b.float()).abs().max().item() for a, b in pairs)
    equal = all(torch.equal(a, b) for a, b in pairs)
    return dict(check='exact resume', ok=equal and resumed.iter == straight.iter,
                figure=f'max weight difference {max_diff:.1e} after {resumed.iter} iterations '
                       f'({"bitwise equal" if equal else "NOT equal"})')


def ddp(device: torch.device, strategy: str = 'ddp', timeout: float = 240.0) -> dict[str, Any]:
    """Run the worker on every visible GPU (2 CPU processes in a dry run) with ``strategy``."""
    devices = torch.cuda.device_count() if device.type == 'cuda' else 2
    with tempfile.TemporaryDirectory(prefix='gpu_ddp_') as out:
        done = subprocess.run([sys.executable, str(WORKER), out, device.type, str(devices),
                               strategy], capture_output=True, text=True, timeout=timeout)
        reports = [json.loads(path.read_text()) for path in sorted(Path(out).glob('rank*.json'))]
    if done.returncode != 0 or len(reports) != devices:
        return dict(check=f'{strategy.upper()} x{devices}', ok=False,
                    figure=f'exit {done.returncode}, {len(reports)} reports: '
                           f'{done.stderr.strip().splitlines()[-1:] or ""}')
    seen = [set(report['seen']) for report in reports]
    disjoint = sum(len(s) for s in seen) == len(set().union(*seen)) == reports[0]['dataset']
    checksums = {report['checksum'] for report in reports if report['checksum'] is not None}
    same_weights = len(checksums) == 1  # under FSDP only rank 0 holds the gathered weights
    return dict(check=f'{strategy.upper()} x{devices}', ok=disjoint and same_weights,
                figure=f"world {reports[0]['world_size']}, shards "
                       f"{'disjoint and complete' if disjoint else 'WRONG'}, weights "
                       f"{'equal' if same_weights else 'DIFFER'} on every rank, "
                       f"{reports[0]['seconds']:.1f} s")
