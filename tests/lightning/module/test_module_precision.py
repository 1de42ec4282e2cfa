"""Mixed precision through Lightning: bf16 on CPU, clipping after the AMP unscale, one scaler."""
from __future__ import annotations

import pytest
import torch
from lightning.pytorch.plugins.precision import MixedPrecision

from mmlightning.lightning.module import MMLightningModule, lightning_optim_cfg
from mmlightning.lightning.optim_backend import LightningOptimBackend
from mmlightning.optim import AmpOptimWrapper, OptimWrapper


def test_bf16_mixed_runs_end_to_end_on_cpu(make_model, make_loader, make_trainer) -> None:
    model = make_model()
    before = [p.detach().clone() for p in model.parameters()]
    module = MMLightningModule(model, optim_wrapper=dict(
        type='AmpOptimWrapper', dtype='bfloat16', optimizer=dict(type='SGD', lr=0.1)))
    trainer = make_trainer(max_epochs=1, precision='bf16-mixed')
    trainer.fit(module, make_loader())
    assert type(module.optim_wrapper) is OptimWrapper  # the precision plugin autocasts
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_clipping_sees_unscaled_gradients_under_16_mixed(make_model, make_loader,
                                                         make_trainer, monkeypatch) -> None:
    norms: dict[str, list[float]] = {'scaled': [], 'seen by clipping': []}
    original_clip = LightningOptimBackend.clip_grad
    original_backward = LightningOptimBackend.backward

    def clip_grad(self, params, kind, **kwargs):
        norms['seen by clipping'].append(float(torch.norm(torch.stack(
            [p.grad.norm() for p in params]))))
        return original_clip(self, params, kind, **kwargs)

    def backward(self, loss, *, sync, **kwargs):
        original_backward(self, loss, sync=sync, **kwargs)
        grads = [p.grad.norm() for p in self.pl_module.parameters() if p.grad is not None]
        norms['scaled'].append(float(torch.norm(torch.stack(grads))))

    monkeypatch.setattr(LightningOptimBackend, 'clip_grad', clip_grad)
    monkeypatch.setattr(LightningOptimBackend, 'backward', backward)
    scaler = torch.amp.GradScaler('cpu', init_scale=1024.0)
    module = MMLightningModule(make_model(), optim_wrapper=dict(
        optimizer=dict(type='SGD', lr=0.0), clip_grad=dict(max_norm=1e6)))
    trainer = make_trainer(max_steps=2, plugins=[MixedPrecision('16-mixed', 'cpu', scaler=scaler)])
    trainer.fit(module, make_loader())
    assert len(norms['seen by clipping']) == 2
    for scaled, unscaled in zip(norms['scaled'], norms['seen by clipping']):
        assert scaled == pytest.approx(unscaled * 1024, rel=1e-3)


def test_amp_wrapper_config_becomes_plain_wrapper() -> None:
    cfg = lightning_optim_cfg(dict(type='AmpOptimWrapper', dtype='float16', loss_scale=512,
                                   optimizer=dict(type='SGD', lr=0.1), clip_grad=None))
    assert cfg == dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1), clip_grad=None)
    nested = lightning_optim_cfg(dict(gen=dict(type=AmpOptimWrapper, optimizer=dict(type='SGD')),
                                      disc=dict(optimizer=dict(type='Adam'))))
    assert nested['gen']['type'] == 'OptimWrapper' and 'type' not in nested['disc']


def test_amp_config_without_mixed_precision_trainer_warns(make_model, make_loader,
                                                          make_trainer) -> None:
    module = MMLightningModule(make_model(), optim_wrapper=dict(
        type='AmpOptimWrapper', dtype='bfloat16', optimizer=dict(type='SGD', lr=0.1)))
    with pytest.warns(UserWarning, match=r"asks for mixed precision \(bf16-mixed\) but the "
                                         r"Trainer runs '32-true'"):
        make_trainer(max_steps=1).fit(module, make_loader())
