"""EMAHook: the average used for validation/test, restored after, checkpointed and resumed."""
from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.hooks import EMAHook, Hook
from mmlightning.registry import HOOKS

MOMENTUM = 0.25


def flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()]).clone()


def expected_ema(raw: list[torch.Tensor], start: torch.Tensor | None = None) -> torch.Tensor:
    """MMEngine's EMA of the weights after each iteration: a copy first, then lerp."""
    ema = start
    for weights in raw:
        ema = weights.clone() if ema is None else ema + MOMENTUM * (weights - ema)
    return ema


class Probe(Hook):
    """Records the model's weights after each train iter, during and after val/test."""

    priority = 'LOW'  # after EMAHook (NORMAL) at every point

    def __init__(self) -> None:
        self.raw: list[torch.Tensor] = []
        self.during: list[tuple[str, torch.Tensor]] = []
        self.after: list[tuple[str, torch.Tensor]] = []
        self.at_train_start: torch.Tensor | None = None

    def before_train(self, runner: Any) -> None:
        self.at_train_start = flat(runner.model)

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        self.raw.append(flat(runner.model))

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self.during.append(('val', flat(runner.model)))

    def before_test_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        self.during.append(('test', flat(runner.model)))

    def after_val(self, runner: Any) -> None:
        self.after.append(('val', flat(runner.model)))

    def after_test(self, runner: Any) -> None:
        self.after.append(('test', flat(runner.model)))


def test_ema_weights_are_swapped_in_for_val_and_test_and_restored(
        make_runner: Callable[..., Any], tmp_path: Any) -> None:
    probe = Probe()
    ema = EMAHook(momentum=MOMENTUM)
    runner = make_runner([ema, probe])
    runner.train()
    runner.test()
    raw = probe.raw
    assert len(raw) == 6 and not torch.allclose(raw[0], raw[5])
    # two val iterations (3 points, batches of 2) per epoch, two test iterations
    expected_during = [('val', expected_ema(raw[:3]))] * 2 + [('val', expected_ema(raw))] * 2 \
        + [('test', expected_ema(raw))] * 2
    for (mode, weights), (want_mode, want) in zip(probe.during, expected_during, strict=True):
        assert mode == want_mode
        torch.testing.assert_close(weights, want)
    assert [mode for mode, _ in probe.after] == ['val', 'val', 'test']
    for (_, weights), want in zip(probe.after, [raw[2], raw[5], raw[5]], strict=True):
        torch.testing.assert_close(weights, want)
    torch.testing.assert_close(flat(ema.ema_model.module), expected_ema(raw))

    # the checkpoint: state_dict holds the EMA weights (deployable), ema_state_dict the raw ones
    path = tmp_path / 'ema.ckpt'
    runner.trainer.save_checkpoint(path)
    torch.testing.assert_close(flat(runner.model), raw[5])  # only the dict values were swapped
    ckpt = torch.load(path, weights_only=False)
    weight_numel = runner.model.linear.weight.numel()
    saved = torch.cat([ckpt['state_dict']['model.linear.weight'].flatten(),
                       ckpt['state_dict']['model.linear.bias']])
    stored_raw = torch.cat([ckpt['ema_state_dict']['module.linear.weight'].flatten(),
                            ckpt['ema_state_dict']['module.linear.bias']])
    torch.testing.assert_close(saved, expected_ema(raw))
    torch.testing.assert_close(stored_raw, raw[5])
    assert int(ckpt['ema_state_dict']['steps']) == 6
    assert weight_numel == 8

    # resuming restores the raw weights into the model and the average into the EMA model
    resumed_probe = Probe()
    resumed = make_runner([EMAHook(momentum=MOMENTUM), resumed_probe], resume=str(path),
                          train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1))
    resumed.train()
    torch.testing.assert_close(resumed_probe.at_train_start, raw[5])
    more = resumed_probe.raw
    assert len(more) == 3
    torch.testing.assert_close(resumed_probe.during[0][1],
                               expected_ema(more, start=expected_ema(raw)))
    torch.testing.assert_close(resumed_probe.after[0][1], more[2])


def test_best_checkpoint_holds_the_averaged_weights(make_runner: Callable[..., Any],
                                                   tmp_path: Any) -> None:
    """As in MMEngine, before_save_checkpoint runs for a weights-only (best) checkpoint too."""
    probe = Probe()
    runner = make_runner([EMAHook(momentum=MOMENTUM), probe], work_dir=str(tmp_path / 'run'),
                         default_hooks=dict(checkpoint=dict(
                             type='CheckpointHook', interval=-1, save_last=False,
                             save_best='acc', rule='greater')))
    runner.train()
    best_path, = (tmp_path / 'run').glob('best_acc_*.ckpt')
    best = torch.load(best_path, weights_only=True)
    assert 'optimizer_states' not in best  # save_optimizer=False, as MMEngine's best files
    epoch = int(best_path.stem.rsplit('_', 1)[1])
    raw = probe.raw[:3 * epoch]
    saved = torch.cat([best['state_dict']['model.linear.weight'].flatten(),
                       best['state_dict']['model.linear.bias']])
    stored_raw = torch.cat([best['ema_state_dict']['module.linear.weight'].flatten(),
                            best['ema_state_dict']['module.linear.bias']])
    torch.testing.assert_close(saved, expected_ema(raw))
    torch.testing.assert_close(stored_raw, raw[-1])


def test_begin_iter_copies_the_model_until_the_average_starts() -> None:
    model = nn.Linear(2, 1)
    runner = SimpleNamespace(model=model, iter=0, epoch=0, max_iters=10, max_epochs=None)
    hook = EMAHook(momentum=MOMENTUM, begin_iter=2)
    hook.before_run(runner)
    hook.before_train(runner)
    history = []
    for i in range(4):
        with torch.no_grad():
            model.weight.add_(1.0)
        runner.iter = i
        hook.after_train_iter(runner, i)
        history.append(flat(model))
        if i == 0:  # not started: an exact copy
            torch.testing.assert_close(flat(hook.ema_model.module), history[0])
    # iterations 1, 2, 3 (runner.iter + 1 >= 2) average: the first copies, then lerp
    torch.testing.assert_close(flat(hook.ema_model.module), expected_ema(history[1:]))


def test_begin_epoch_starts_the_average_at_that_epoch() -> None:
    hook = EMAHook(begin_epoch=2)
    assert hook.enabled_by_epoch
    assert not hook._ema_started(SimpleNamespace(epoch=0, iter=50))
    assert hook._ema_started(SimpleNamespace(epoch=1, iter=0))


def test_invalid_begin_arguments_raise() -> None:
    with pytest.raises(ValueError, match='should not be both set'):
        EMAHook(begin_iter=1, begin_epoch=1)
    with pytest.raises(ValueError, match='`begin_iter` must larger than or equal to 0'):
        EMAHook(begin_iter=-1)
    runner = SimpleNamespace(model=nn.Linear(2, 1), max_epochs=3, max_iters=30)
    hook = EMAHook(begin_epoch=4)
    hook.before_run(runner)
    with pytest.raises(ValueError, match='self.begin_epoch should be smaller .*max_epochs: 3'):
        hook.before_train(runner)
    hook = EMAHook(begin_iter=31)
    hook.before_run(runner)
    with pytest.raises(ValueError, match='self.begin_iter should be smaller .*max_iters: 30'):
        hook.before_train(runner)


@pytest.mark.parametrize('prefix', ['', 'model.'], ids=['mmengine-layout', 'lightning-layout'])
def test_load_without_resume_copies_state_dict_into_the_ema(prefix: str) -> None:
    model = nn.Linear(2, 1)
    hook = EMAHook()
    hook.before_run(SimpleNamespace(model=model))
    weights = {f'{prefix}weight': torch.full((1, 2), 3.0), f'{prefix}bias': torch.ones(1)}
    checkpoint: dict = dict(state_dict=weights)
    if prefix:
        checkpoint['pytorch-lightning_version'] = '2.6'
    hook.after_load_checkpoint(SimpleNamespace(_resume=False), checkpoint)
    torch.testing.assert_close(hook.ema_model.module.weight, torch.full((1, 2), 3.0))
    weights[f'{prefix}weight'].add_(1)  # the EMA model got a copy
    torch.testing.assert_close(hook.ema_model.module.weight, torch.full((1, 2), 3.0))


def test_resume_without_ema_state_warns_and_starts_from_state_dict(
        caplog: pytest.LogCaptureFixture) -> None:
    hook = EMAHook()
    hook.before_run(SimpleNamespace(model=nn.Linear(2, 1)))
    checkpoint = dict(state_dict=dict(weight=torch.zeros(1, 2), bias=torch.zeros(1)))
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        hook.after_load_checkpoint(SimpleNamespace(_resume=True), checkpoint)
    assert 'There is no `ema_state_dict`' in caplog.text
    torch.testing.assert_close(hook.ema_model.module.weight, torch.zeros(1, 2))


def test_mmengine_layout_checkpoint_round_trip() -> None:
    model = nn.Linear(2, 1)
    hook = EMAHook()
    hook.before_run(SimpleNamespace(model=model))
    with torch.no_grad():
        hook.ema_model.module.weight.fill_(7.0)
    checkpoint = dict(state_dict=model.state_dict())
    hook.before_save_checkpoint(SimpleNamespace(), checkpoint)
    assert float(checkpoint['state_dict']['weight'][0, 0]) == 7.0
    torch.testing.assert_close(checkpoint['ema_state_dict']['module.weight'], model.weight.data)
    other = EMAHook()
    other_model = nn.Linear(2, 1)
    other.before_run(SimpleNamespace(model=other_model))
    other.after_load_checkpoint(SimpleNamespace(_resume=True), checkpoint)
    torch.testing.assert_close(other_model.weight, model.weight)
    assert float(other.ema_model.module.weight[0, 0]) == 7.0


def test_checkpoint_of_another_model_raises_naming_the_key() -> None:
    hook = EMAHook()
    hook.before_run(SimpleNamespace(model=nn.Linear(2, 1)))
    checkpoint = {'state_dict': {'model.other': torch.zeros(1)},
                  'pytorch-lightning_version': '2.6'}
    with pytest.raises(KeyError, match="has no 'model.weight'"):
        hook.before_save_checkpoint(SimpleNamespace(), checkpoint)


def test_ema_model_follows_the_model_to_its_device() -> None:
    model = nn.BatchNorm1d(2)
    hook = EMAHook(update_buffers=True)
    hook.before_run(SimpleNamespace(model=model))
    model.to('meta')  # what Lightning's strategy does after before_run, with a real device
    hook._follow_source_device()
    assert all(t.device.type == 'meta' for t in hook.ema_model.module.state_dict().values())
    assert all(t.device.type == 'meta' for t in hook.ema_model.avg_parameters.values())
    pinned = EMAHook(device='cpu')
    source = nn.Linear(2, 1)
    pinned.before_run(SimpleNamespace(model=source))
    source.to('meta')
    pinned._follow_source_device()
    assert pinned.ema_model.module.weight.device.type == 'cpu'


def test_registered_and_built_from_config() -> None:
    hook = HOOKS.build(dict(type='EMAHook', momentum=0.01, begin_iter=3))
    assert isinstance(hook, EMAHook) and hook.priority == 'NORMAL'
    assert hook.ema_cfg == dict(type='ExponentialMovingAverage', momentum=0.01)
