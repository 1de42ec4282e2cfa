"""Reference: the default logging hooks write the same log lines and scalar files as MMEngine.

Values (times, ETA, losses) differ between two runs; the structure is compared:
the order of the lines, their ``Epoch(train) [1][2/3]`` prefixes and their keys,
and the keys and steps of every ``scalars.json`` line.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

mmengine_runner = pytest.importorskip('mmengine.runner')
mmengine_model = pytest.importorskip('mmengine.model')
mmengine_evaluator = pytest.importorskip('mmengine.evaluator')

from mmlightning.evaluator import BaseMetric  # noqa: E402
from mmlightning.model import BaseModel  # noqa: E402
from mmlightning.runner import Runner  # noqa: E402

HEADER = re.compile(r'^((?:Epoch|Iter)\((?:train|val|test)\)\s*(?:\[[\s\d/]+\])+)\s+(.*)$')


class Points(torch.utils.data.Dataset):
    def __init__(self, size: int) -> None:
        self.points = torch.randn(size, 4, generator=torch.Generator().manual_seed(size))

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.points[index], data_samples=torch.tensor(index % 2))


def model_on(base: type) -> nn.Module:
    class Model(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
            logits = self.linear(torch.stack(inputs))
            if mode == 'loss':
                loss = nn.functional.cross_entropy(logits, torch.stack(data_samples))
                return dict(loss=loss, loss_half=loss / 2)
            return [dict(pred=int(p)) for p in logits.argmax(1)]

    return Model()


def metric_on(base: type) -> Any:
    class Accuracy(base):  # type: ignore[misc, valid-type]
        def process(self, data_batch: Any, data_samples: Any) -> None:
            labels = torch.stack(data_batch['data_samples']).tolist()
            self.results.extend(int(s['pred'] == t) for s, t in zip(data_samples, labels))

        def compute_metrics(self, results: list) -> dict:
            return dict(acc=sum(results) / len(results))

    return Accuracy()


def run(runner_cls: type, model_base: type, metric_base: type, work_dir: Path, by_epoch: bool,
        extra: dict) -> Path:
    train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1) if by_epoch else \
        dict(by_epoch=False, max_iters=5, val_interval=2)
    loader = dict(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False))
    runner = runner_cls(
        model=model_on(model_base), work_dir=str(work_dir),
        train_dataloader=dict(dataset=Points(6), **loader),
        val_dataloader=dict(dataset=Points(3), **loader), val_evaluator=[metric_on(metric_base)],
        test_dataloader=dict(dataset=Points(4), **loader), test_evaluator=[metric_on(metric_base)],
        train_cfg=train_cfg, val_cfg=dict(), test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        param_scheduler=dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=3),
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=2)),
        log_processor=dict(by_epoch=by_epoch), randomness=dict(seed=0),
        # MMEngine's global logger is looked up by name: a name per run keeps the log files apart
        experiment_name=f'{work_dir.name}_{by_epoch}', **extra)
    runner.train()
    runner.test()
    return Path(runner.log_dir)


def line_structure(log_dir: Path) -> list[tuple[str, list[str]]]:
    """``(prefix, keys)`` of each progress line and ``('Exp name', [])`` lines, in order."""
    log_file = next(log_dir.glob('*.log'))
    structure = []
    for line in log_file.read_text().splitlines():
        message = line.split(' - INFO - ', 1)[-1]
        if message.startswith('Exp name: '):
            structure.append(('Exp name', []))
        elif match := HEADER.match(message):
            structure.append((match.group(1), re.findall(r'(\S+): ', match.group(2))))
    return structure


def scalar_structure(path: Path) -> list[tuple[list[str], Any]]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [(list(record), record.get('step')) for record in records]


@pytest.mark.parametrize('by_epoch', [True, False], ids=['epoch-based', 'iter-based'])
def test_same_log_structure_as_mmengine(by_epoch: bool, tmp_path: Path) -> None:
    theirs = run(mmengine_runner.Runner, mmengine_model.BaseModel, mmengine_evaluator.BaseMetric,
                 tmp_path / 'mmengine', by_epoch, {})
    ours = run(Runner, BaseModel, BaseMetric, tmp_path / 'ours', by_epoch,
               dict(trainer=dict(enable_progress_bar=False)))
    expected = line_structure(theirs)
    train_line = ('Epoch(train) [1][2/3]' if by_epoch else 'Iter(train) [2/5]',
                  ['lr', 'eta', 'time', 'data_time', 'loss', 'loss_half'])
    assert train_line in expected  # the comparison below compares something
    assert line_structure(ours) == expected
    learning_rates = [re.findall(r'lr: (\S+)', next(d.glob('*.log')).read_text())
                      for d in (ours, theirs)]
    assert learning_rates[0] == learning_rates[1] and len(set(learning_rates[0])) == 2
    for name in ('scalars.json', f'{theirs.name}.json'):
        ours_name = name.replace(theirs.name, ours.name)
        assert scalar_structure(ours / 'vis_data' / ours_name) == \
            scalar_structure(theirs / 'vis_data' / name)
    test_results = [json.loads((d / f'{d.name}.json').read_text()) for d in (ours, theirs)]
    assert list(test_results[0]) == list(test_results[1]) == ['acc', 'data_time', 'time']
