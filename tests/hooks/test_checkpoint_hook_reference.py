"""Reference: CheckpointHook writes the checkpoints MMEngine's does (names; ``.ckpt`` for ``.pth``).

Both runs see the same validation scores (a metric that replays a fixed
sequence), so the files depend only on the hook's logic.
"""
from __future__ import annotations

import functools
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

ACC = [0.3, 0.5, 0.6, 0.4, 0.7, 0.9, 0.2]
LOSS = [0.9, 0.95, 0.5, 0.6, 0.4, 0.45, 0.1]


class Points(torch.utils.data.Dataset):
    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.full((2,), float(index)), data_samples=torch.tensor(index % 2))


def model_on(base: type) -> nn.Module:
    class Model(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 2)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
            logits = self.linear(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return [dict(pred=int(p)) for p in logits.argmax(1)]

    return Model()


def metric_on(base: type) -> Any:
    class Replay(base):  # type: ignore[misc, valid-type]
        """Returns the next scores of ACC and LOSS at each evaluation."""
        default_prefix = ''
        calls = 0

        def process(self, data_batch: Any, data_samples: Any) -> None:
            self.results.extend(data_samples)

        def compute_metrics(self, results: list) -> dict:
            index, type(self).calls = type(self).calls, type(self).calls + 1
            return dict(acc=ACC[index], loss=LOSS[index])

    return Replay()


def run(runner_cls: type, model_base: type, metric_base: type, root: Path, by_epoch: bool,
        hook: dict, extra: dict) -> Path:
    """Train; return the folder holding the checkpoints."""
    train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1) if by_epoch else \
        dict(by_epoch=False, max_iters=7, val_interval=3)
    loader = dict(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=False))
    # iteration-based: one epoch is enough (MMEngine sleeps 2 s when a dataloader restarts)
    size = 4 if by_epoch else 16
    hook = dict(hook, by_epoch=by_epoch)
    if 'out_dir' in hook:
        hook['out_dir'] = str(root / hook['out_dir'])
    runner_cls(model=model_on(model_base), work_dir=str(root / 'exp'),
               train_dataloader=dict(dataset=Points(size), **loader),
               val_dataloader=dict(dataset=Points(4), **loader),
               val_evaluator=[metric_on(metric_base)], train_cfg=train_cfg, val_cfg=dict(),
               optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
               default_hooks=dict(checkpoint=dict(type='CheckpointHook', **hook)),
               randomness=dict(seed=0), **extra).train()
    return Path(hook['out_dir'], 'exp') if 'out_dir' in hook else root / 'exp'


def checkpoints(root: Path, folder: Path) -> tuple[list[str], str]:
    """The checkpoint names in ``folder`` and the path in last_checkpoint, relative to ``root``.

    ``.ckpt`` reads as ``.pth`` and the hash of a published file as ``<sha>``.
    """
    def normalized(name: str) -> str:
        return re.sub(r'-[0-9a-f]{8}\.pth$', '-<sha>.pth', name.replace('.ckpt', '.pth'))

    names = sorted(normalized(p.name) for p in folder.iterdir() if p.suffix in ('.pth', '.ckpt'))
    last = Path((root / 'exp' / 'last_checkpoint').read_text())
    return names, normalized(str(last.relative_to(root)))


CASES = {
    'epoch-every': (True, dict(interval=1)),
    'epoch-interval2-best': (True, dict(interval=2, save_best='acc')),
    'epoch-keep2-nolast-loss': (True, dict(interval=2, max_keep_ckpts=2, save_last=False,
                                           save_best='loss')),
    'epoch-keep1-auto-published': (True, dict(interval=1, max_keep_ckpts=1, save_best='auto',
                                              published_keys=['meta', 'state_dict'])),
    'epoch-two-keys-out_dir': (True, dict(interval=3, save_begin=1, save_best=['acc', 'loss'],
                                          rule=['greater', 'less'], out_dir='out')),
    'iter-interval2-best': (False, dict(interval=2, save_best='acc')),
    'iter-keep2-nolast': (False, dict(interval=3, max_keep_ckpts=2, save_last=False)),
    'iter-never-auto': (False, dict(save_best='auto', rule='less')),
}


@pytest.mark.parametrize('case', list(CASES))
def test_same_checkpoint_names_as_mmengine(case: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    by_epoch, hook = CASES[case]
    # MMEngine 0.10.7 publishes with torch.load's old default (weights_only=False)
    monkeypatch.setattr(torch, 'load', functools.partial(torch.load, weights_only=False))
    theirs = run(mmengine_runner.Runner, mmengine_model.BaseModel, mmengine_evaluator.BaseMetric,
                 tmp_path / 'mmengine', by_epoch, hook, dict(experiment_name=f'{case}-mme'))
    monkeypatch.undo()
    ours = run(Runner, BaseModel, BaseMetric, tmp_path / 'ours', by_epoch, hook,
               dict(experiment_name=f'{case}-ours', trainer=dict(enable_progress_bar=False)))
    expected = checkpoints(tmp_path / 'mmengine', theirs)
    assert checkpoints(tmp_path / 'ours', ours) == expected
