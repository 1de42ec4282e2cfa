"""Validation on MMEngine's schedule; counters and scheduler states survive a checkpoint."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mmlightning.lightning.module import CHECKPOINT_KEY, MMLightningModule


def validated_after(train_cfg: dict, make_model, make_loader, make_trainer, **trainer_args):
    model = make_model()
    seen: list[int] = []
    original = model.val_step

    def val_step(data):
        seen.append(module.iter)
        return original(data)

    model.val_step = val_step
    module = MMLightningModule(model, optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
                               train_cfg=train_cfg)
    trainer = make_trainer(**trainer_args)
    trainer.fit(module, make_loader(), make_loader(size=4, shuffle=False))
    return sorted(set(seen))


@pytest.mark.parametrize('train_cfg, iterations', [
    (dict(by_epoch=True, max_epochs=5, val_interval=2), [10, 20, 25]),      # + the last epoch
    (dict(by_epoch=True, max_epochs=5, val_interval=1, val_begin=4), [20, 25]),
    (dict(by_epoch=True, max_epochs=5, val_interval=1, dynamic_intervals=[(3, 2)]),
     [5, 10, 20, 25]),
])
def test_epoch_based_validation_schedule(train_cfg, iterations, make_model, make_loader,
                                         make_trainer) -> None:
    assert validated_after(train_cfg, make_model, make_loader, make_trainer,
                           max_epochs=train_cfg['max_epochs']) == iterations


def test_iteration_based_validation_schedule(make_model, make_loader, make_trainer) -> None:
    train_cfg = dict(type='IterBasedTrainLoop', max_iters=11, val_interval=4, val_begin=5)
    assert validated_after(train_cfg, make_model, make_loader, make_trainer,
                           max_epochs=-1) == [8, 11]


def test_checkpoint_round_trip(make_model, make_loader, make_trainer, tmp_path: Path) -> None:
    schedulers = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
                  dict(type='StepLR', step_size=1, gamma=0.5, by_epoch=True, end=10)]
    optim = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    module = MMLightningModule(make_model(), optim_wrapper=optim, param_scheduler=schedulers,
                               train_cfg=dict(by_epoch=True, max_epochs=2))
    trainer = make_trainer(max_epochs=2)
    trainer.fit(module, make_loader())
    path = tmp_path / 'run.ckpt'
    trainer.save_checkpoint(path)
    saved = torch.load(path, weights_only=True)
    assert saved[CHECKPOINT_KEY]['iter'] == 10
    assert [s['last_step'] for s in saved[CHECKPOINT_KEY]['param_schedulers']] == [10, 2]

    resumed = MMLightningModule(make_model(), optim_wrapper=optim, param_scheduler=schedulers,
                                train_cfg=dict(by_epoch=True, max_epochs=3))
    trainer = make_trainer(max_epochs=3)
    trainer.fit(resumed, make_loader(), ckpt_path=str(path))
    assert resumed.iter == 15
    assert [s.last_step for s in resumed.param_schedulers] == [15, 3]

    uninterrupted = MMLightningModule(make_model(), optim_wrapper=optim,
                                      param_scheduler=schedulers,
                                      train_cfg=dict(by_epoch=True, max_epochs=3))
    make_trainer(max_epochs=3).fit(uninterrupted, make_loader())
    assert resumed.optim_wrapper.get_lr() == uninterrupted.optim_wrapper.get_lr()
    for ours, reference in zip(resumed.model.state_dict().values(),
                               uninterrupted.model.state_dict().values()):
        torch.testing.assert_close(ours, reference, rtol=0, atol=0)
