"""CheckInvalidLossHook: a NaN loss at iteration 3 stops a real run with a readable error."""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.hooks import CheckInvalidLossHook, Hook
from mmlightning.model import BaseModel
from mmlightning.registry import HOOKS


class NaNAt(BaseModel):
    """A linear classifier whose ``loss_reg`` term is NaN from its ``nan_at``-th call (0-based)."""

    def __init__(self, nan_at: int) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.nan_at = nan_at
        self.calls = 0

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        logits = self.linear(torch.stack(inputs))
        if mode != 'loss':
            return [dict(pred=int(p)) for p in logits.argmax(1)]
        self.calls += 1
        reg = logits.pow(2).mean() * (torch.nan if self.calls - 1 >= self.nan_at else 0.0)
        return dict(loss_cls=nn.functional.cross_entropy(logits, torch.stack(data_samples)),
                    loss_reg=reg, acc=torch.tensor(0.5))


class Iterations(Hook):
    priority = 'LOWEST'

    def __init__(self) -> None:
        self.done: list[int] = []

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.done.append(runner.iter)


def test_nan_at_iteration_3_raises_naming_it_and_the_terms(
        make_runner: Callable[..., Any]) -> None:
    model, seen = NaNAt(nan_at=3), Iterations()
    runner = make_runner([CheckInvalidLossHook(), seen], model=model,
                         train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert 'loss became infinite or NaN at iteration 3 (epoch 1)' in message
    assert 'loss=nan (NaN)' in message and 'loss_reg=nan (NaN)' in message
    assert 'acc=0.5,' not in message and 'acc=0.5' in message  # valid terms are not flagged
    loss_cls = message.split('loss_cls=')[1].split(',')[0]
    assert '(NaN)' not in loss_cls and float(loss_cls) > 0
    assert model.calls == 4 and seen.done == [0, 1, 2]  # training stopped at the bad iteration


def test_interval_checks_every_nth_iteration_only() -> None:
    hook = CheckInvalidLossHook(interval=2)
    outputs = dict(loss=torch.tensor(float('inf')), loss_a=torch.tensor(float('inf')))
    hook.after_train_iter(SimpleNamespace(iter=0, epoch=0), 0, outputs=outputs)  # not checked
    with pytest.raises(FloatingPointError, match=r'iteration 1 .*loss=inf \(inf\), loss_a=inf'):
        hook.after_train_iter(SimpleNamespace(iter=1, epoch=0), 1, outputs=outputs)
    hook.after_train_iter(SimpleNamespace(iter=3, epoch=0), 3,
                          outputs=dict(loss=torch.tensor(0.1)))


def test_bad_arguments_and_outputs_raise() -> None:
    with pytest.raises(ValueError, match='interval must be >= 1, got 0'):
        CheckInvalidLossHook(interval=0)
    runner = SimpleNamespace(iter=0, epoch=0)
    with pytest.raises(KeyError, match=r"outputs\[\"loss\"\].*\['loss_cls'\]"):
        CheckInvalidLossHook().after_train_iter(runner, 0, outputs=dict(loss_cls=1.0))
    with pytest.raises(KeyError, match='got NoneType'):
        CheckInvalidLossHook().after_train_iter(runner, 0, outputs=None)


def test_built_from_config() -> None:
    hook = HOOKS.build(dict(type='CheckInvalidLossHook', interval=50))
    assert isinstance(hook, CheckInvalidLossHook) and hook.interval == 50
