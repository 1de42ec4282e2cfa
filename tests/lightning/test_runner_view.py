"""RunnerView: MMEngine's counters and clear errors for what it does not offer."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from mmlightning.lightning import RunnerView
from mmlightning.lightning.train_loop_spec import TrainLoopSpec


def view(by_epoch: bool = True, **context) -> RunnerView:
    trainer = SimpleNamespace(current_epoch=2, should_stop=False, train_dataloader='loader',
                              val_dataloaders=['val'], test_dataloaders=None)
    loop = TrainLoopSpec.from_cfg(dict(by_epoch=True, max_epochs=5) if by_epoch else
                                  dict(by_epoch=False, max_iters=20))
    module = SimpleNamespace(iter=7, train_loop=loop, max_epochs=5, max_iters=20, model='m',
                             optim_wrapper='ow', param_schedulers=SimpleNamespace(schedulers=[]),
                             val_evaluator='ev', test_evaluator=None)
    return RunnerView(trainer, module, context)


def test_counters_follow_mmengine() -> None:
    runner = view()
    assert (runner.epoch, runner.iter, runner.max_epochs, runner.max_iters) == (2, 7, 5, 20)
    runner.epoch_finished = True  # after after_train_epoch, validation sees the next epoch
    assert runner.epoch == 3
    runner.iter_offset = -1
    assert runner.iter == 6
    assert view(by_epoch=False).epoch == 0


def test_components_and_train_loop() -> None:
    runner = view(work_dir='/w')
    assert (runner.model, runner.optim_wrapper, runner.param_schedulers) == ('m', 'ow', [])
    assert runner.train_dataloader == runner.train_loop.dataloader == 'loader'
    assert runner.val_dataloader == 'val' and runner.val_loop.evaluator == 'ev'
    assert runner.work_dir == '/w' and runner.rank == 0 and runner.world_size == 1
    runner.train_loop.stop_training = True
    assert runner.trainer.should_stop and runner.train_loop.stop_training
    assert (runner.train_loop.epoch, runner.train_loop.iter) == (2, 7)


def test_unsupported_attributes_say_so() -> None:
    with pytest.raises(AttributeError, match='runner.message_hub is not available to hooks: the '
                                             'Runner did not provide it'):
        view().message_hub
    with pytest.raises(AttributeError, match='runner.wrapped_model is not available to hooks: '
                                             'mmlightning does not support it. Supported: '):
        view().wrapped_model
