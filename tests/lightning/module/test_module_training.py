"""MMLightningModule trains exactly like MMEngine's loop: accumulation, clipping, schedulers."""
from __future__ import annotations

import copy

import pytest
import torch

from mmlightning.lightning.module import MMLightningModule
from mmlightning.optim import build_optim_wrapper
from mmlightning.registry import PARAM_SCHEDULERS

OPTIM = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
             accumulative_counts=2, clip_grad=dict(max_norm=0.5))
SCHEDULERS = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=4),
              dict(type='MultiStepLR', milestones=[1], by_epoch=True, gamma=0.5)]


def plain_loop(model, loader, epochs: int) -> list[float]:
    """MMEngine's EpochBasedTrainLoop + ParamSchedulerHook, in plain PyTorch."""
    wrapper = build_optim_wrapper(model, OPTIM)
    schedulers = [PARAM_SCHEDULERS.build(dict(cfg, end=cfg.get('end', epochs)),
                                         default_args=dict(optimizer=wrapper,
                                                           epoch_length=len(loader)))
                  for cfg in copy.deepcopy(SCHEDULERS)]
    wrapper.initialize_count_status(model, 0, epochs * len(loader))
    losses = []
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)
        model.train()
        for batch in loader:
            losses.append(float(model.train_step(batch, wrapper)['loss']))
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return losses


def test_same_weights_and_losses_as_plain_loop(make_model, make_loader, make_trainer) -> None:
    reference = make_model()
    plain_losses = plain_loop(reference, make_loader(), epochs=3)
    model = make_model()
    losses: list[float] = []
    original = model.train_step
    model.train_step = lambda data, optim_wrapper: _record(original(data, optim_wrapper), losses)
    module = MMLightningModule(model, optim_wrapper=OPTIM, param_scheduler=SCHEDULERS,
                               train_cfg=dict(by_epoch=True, max_epochs=3))
    trainer = make_trainer(max_epochs=3)
    trainer.fit(module, make_loader())
    assert losses == pytest.approx(plain_losses, rel=1e-6)
    for ours, theirs in zip(model.state_dict().values(), reference.state_dict().values()):
        torch.testing.assert_close(ours, theirs)
    assert module.iter == 15
    assert trainer.global_step == 8  # 7 full accumulation windows + the last, shorter one
    assert module.optim_wrapper.get_lr()['lr'] == [0.1 * 0.5]


def _record(log_vars, losses):
    losses.append(float(log_vars['loss']))
    return log_vars


def test_iteration_based_stops_after_max_iters_batches(make_model, make_loader,
                                                       make_trainer) -> None:
    module = MMLightningModule(make_model(), optim_wrapper=OPTIM,
                               train_cfg=dict(type='IterBasedTrainLoop', max_iters=7))
    trainer = make_trainer(max_epochs=-1)
    trainer.fit(module, make_loader())
    assert module.iter == 7
    assert trainer.global_step == 4  # windows of 2 batches, the 7th batch steps alone
    assert module.max_iters == 7


def test_epoch_based_defaults_come_from_trainer_without_train_cfg(make_model, make_loader,
                                                                  make_trainer) -> None:
    module = MMLightningModule(make_model(), optim_wrapper=dict(optimizer=dict(type='SGD',
                                                                               lr=0.1)))
    make_trainer(max_epochs=2).fit(module, make_loader())
    assert module.max_epochs == 2 and module.max_iters == 10 and module.iter == 10


def test_missing_optim_wrapper_is_explained(make_model, make_loader, make_trainer) -> None:
    with pytest.raises(ValueError, match='training needs an optim_wrapper config'):
        make_trainer(max_epochs=1).fit(MMLightningModule(make_model()), make_loader())


def test_model_from_config_with_data_preprocessor(classifier_cls) -> None:
    from mmlightning.registry import MODELS

    MODELS.register_module(name='TestClassifierForModule', module=classifier_cls, force=True)
    module = MMLightningModule(dict(type='TestClassifierForModule'),
                               data_preprocessor=dict(type='ImgDataPreprocessor'))
    assert isinstance(module.model, classifier_cls)
    assert type(module.model.data_preprocessor).__name__ == 'ImgDataPreprocessor'
    with pytest.raises(TypeError, match='model must be an nn.Module or a config dict'):
        MMLightningModule(3)  # type: ignore[arg-type]
