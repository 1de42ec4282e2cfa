"""One rank of ``gpu_scale_checks.ddp``: trains the CNN with DDP or FSDP, reports what it saw.

Usage: ``python benchmarks/gpu_ddp_worker.py OUT_DIR cuda|cpu DEVICES [ddp|fsdp]``. Lightning
starts the other ranks by running this script again; each writes ``OUT_DIR/rank<r>.json``.
Under FSDP the weights are gathered to full tensors before the checksum.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid

import torch
from overhead_variants import TensorPairs, cnn, mm_classifier, quiet


class Recorded(TensorPairs):
    """Remembers the indices this rank loaded (in the class: the loader copies the dataset)."""

    seen: list[int] = []

    def __init__(self) -> None:
        super().__init__(256, (3, 32, 32), 10, seed=0)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        Recorded.seen.append(index)
        return super().__getitem__(index)


def main() -> None:
    import torch.distributed as dist

    from mmlightning.model import BaseModel
    from mmlightning.runner import Runner

    out, accelerator, devices = sys.argv[1], sys.argv[2], int(sys.argv[3])
    strategy = sys.argv[4] if len(sys.argv) > 4 else 'ddp'
    quiet()
    data = Recorded()
    torch.manual_seed(0)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='gpu_ddp_run_') as work_dir:
        runner = Runner(
            model=mm_classifier(BaseModel)(cnn()), work_dir=work_dir, log_level='ERROR',
            experiment_name=uuid.uuid4().hex,
            train_dataloader=dict(dataset=data, batch_size=16,
                                  collate_fn=dict(type='pseudo_collate'),
                                  sampler=dict(type='DefaultSampler', shuffle=True)),
            train_cfg=dict(by_epoch=True, max_epochs=1), default_hooks=dict(checkpoint=None),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)), randomness=dict(seed=0),
            trainer=dict(accelerator=accelerator, devices=devices, strategy=strategy,
                         enable_progress_bar=False))
        runner.train()
    # full tensors; Lightning's FSDP strategy gathers them on rank 0 only (others: {})
    state = runner.trainer.strategy.lightning_module_state_dict()
    checksum = sum(float(value.double().sum()) for value in state.values()) if state else None
    report = dict(rank=dist.get_rank(), world_size=dist.get_world_size(), seen=Recorded.seen,
                  dataset=len(data), checksum=None if checksum is None else round(checksum, 10),
                  seconds=time.perf_counter() - start)
    with open(f'{out}/rank{report["rank"]}.json', 'w') as f:
        json.dump(report, f)


if __name__ == '__main__':
    main()
