"""Reference: EMAHook averages, swaps and (de)serialises like MMEngine's (MMEngine's layout)."""
from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.hooks import EMAHook

mmengine_hooks = pytest.importorskip('mmengine.hooks')
pytest.importorskip('mmengine.model')

HOOK_ARGS = dict(momentum=0.2, begin_iter=2, update_buffers=True)


def model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def drive(hook: Any, net: nn.Module, resume: bool) -> dict[str, Any]:
    """Train-like updates, a validation swap, a save and a load; return what the hook saw."""
    runner = SimpleNamespace(model=net, iter=0, epoch=0, max_iters=6, max_epochs=1,
                             _resume=resume)
    hook.before_run(runner)
    hook.before_train(runner)
    for i in range(6):
        with torch.no_grad():
            for p in net.parameters():
                p.mul_(0.9).add_(0.1 * (i + 1))
            net[1].running_mean.add_(1.0)
        runner.iter = i
        hook.after_train_iter(runner, i)
    hook.before_val_epoch(runner)
    during_val = copy.deepcopy(net.state_dict())
    hook.after_val_epoch(runner, {})
    checkpoint = dict(state_dict=copy.deepcopy(net.state_dict()))
    hook.before_save_checkpoint(runner, checkpoint)
    saved = copy.deepcopy(checkpoint)
    fresh = model()
    other = type(hook)(**HOOK_ARGS)
    other.before_run(SimpleNamespace(model=fresh))
    other.after_load_checkpoint(runner, checkpoint)
    return dict(during_val=during_val, saved=saved, ema=other.ema_model.state_dict(),
                loaded_state=checkpoint['state_dict'])


@pytest.mark.parametrize('resume', [True, False], ids=['resume', 'load'])
def test_same_as_mmengine(resume: bool) -> None:
    ours = drive(EMAHook(**HOOK_ARGS), model(), resume)
    theirs = drive(mmengine_hooks.EMAHook(**HOOK_ARGS), model(), resume)
    torch.testing.assert_close(ours, theirs)
