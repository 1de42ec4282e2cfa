"""MMLightningModule under DDP on 2 CPU processes (gloo).

After training, both ranks hold identical weights, and the validation metrics
(gathered across ranks, ``round_up`` padding removed) equal a single-process
evaluation of the same weights over the whole validation set.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

SCRIPT = textwrap.dedent('''
    import json
    import sys

    import lightning as L
    import torch
    from torch import nn

    from mmlightning.evaluator import BaseMetric
    from mmlightning.lightning import MMDataModule, MMLightningModule
    from mmlightning.model import BaseModel


    class Points(torch.utils.data.Dataset):
        def __init__(self, size, seed):
            generator = torch.Generator().manual_seed(seed)
            self.points = torch.randn(size, 4, generator=generator)
            self.labels = (self.points.sum(1) > 0).long()

        def __len__(self):
            return len(self.points)

        def __getitem__(self, index):
            return dict(inputs=self.points[index], data_samples=self.labels[index])


    class Classifier(BaseModel):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))

        def forward(self, inputs, data_samples=None, mode='tensor'):
            logits = self.net(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


    class Accuracy(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results.extend([float(s['pred'] == s['gt']), float(s['gt'])]
                                for s in data_samples)

        def compute_metrics(self, results):
            return dict(acc=sum(r[0] for r in results) / len(results), n=len(results),
                        positives=sum(r[1] for r in results))


    def build(devices, strategy):
        torch.manual_seed(0)
        module = MMLightningModule(Classifier(), optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9), accumulative_counts=2,
            clip_grad=dict(max_norm=1.0)), val_evaluator=[Accuracy()],
            train_cfg=dict(by_epoch=True, max_epochs=2))
        datamodule = MMDataModule(
            train_dataloader=dict(dataset=Points(24, 0), batch_size=3,
                                  sampler=dict(type='DefaultSampler', shuffle=True)),
            val_dataloader=dict(dataset=Points(11, 1), batch_size=2,
                                sampler=dict(type='DefaultSampler', shuffle=False)),
            seed=0)
        trainer = L.Trainer(accelerator='cpu', devices=devices, strategy=strategy,
                            max_epochs=2, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False,
                            use_distributed_sampler=False, num_sanity_val_steps=0)
        return module, datamodule, trainer


    if __name__ == '__main__':
        out, mode = sys.argv[1], sys.argv[2]
        if mode == 'ddp':
            module, datamodule, trainer = build(2, 'ddp')
            trainer.fit(module, datamodule)
            rank = trainer.global_rank
            torch.save(module.model.state_dict(), f'{out}/weights{rank}.pt')
            with open(f'{out}/metrics{rank}.json', 'w') as f:
                json.dump(module.last_val_metrics, f)
        else:
            single, datamodule, trainer = build(1, 'auto')
            single.model.load_state_dict(torch.load(f'{out}/weights0.pt'))
            trainer.validate(single, datamodule, verbose=False)
            with open(f'{out}/single.json', 'w') as f:
                json.dump(single.last_val_metrics, f)
''')


def test_ddp_weights_identical_and_metrics_match_single_process(tmp_path: Path) -> None:
    script = tmp_path / 'ddp_run.py'
    script.write_text(SCRIPT)
    for mode in ('ddp', 'single'):
        result = subprocess.run([sys.executable, str(script), str(tmp_path), mode],
                                cwd=tmp_path, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stderr[-3000:]
    weights = [torch.load(tmp_path / f'weights{rank}.pt') for rank in (0, 1)]
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
    metrics = [json.loads((tmp_path / f'metrics{rank}.json').read_text()) for rank in (0, 1)]
    single = json.loads((tmp_path / 'single.json').read_text())
    assert metrics[0] == metrics[1] == single
    assert single['n'] == 11  # the padded 12th sample of round_up is not counted
