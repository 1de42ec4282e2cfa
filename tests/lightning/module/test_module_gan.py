"""A model that overrides train_step with an OptimWrapperDict (GAN-style) trains unchanged."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from mmlightning.lightning.module import MMLightningModule
from mmlightning.model import BaseModel


class TinyGAN(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.generator = nn.Linear(2, 4)
        self.discriminator = nn.Linear(4, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        return self.generator(torch.stack(inputs)[:, :2])

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        real = torch.stack(data['inputs'])
        noise = real[:, :2]
        with optim_wrapper['discriminator'].optim_context(self.discriminator):
            fake = self.generator(noise).detach()
            loss_d = nn.functional.softplus(self.discriminator(fake)).mean() + \
                nn.functional.softplus(-self.discriminator(real)).mean()
        optim_wrapper['discriminator'].update_params(loss_d)
        with optim_wrapper['generator'].optim_context(self.generator):
            loss_g = nn.functional.softplus(-self.discriminator(self.generator(noise))).mean()
        optim_wrapper['generator'].update_params(loss_g)
        return dict(loss_d=loss_d.detach(), loss_g=loss_g.detach())


def test_two_optimizers_step_each_batch(make_loader, make_trainer) -> None:
    torch.manual_seed(0)
    model = TinyGAN()
    generator_before = model.generator.weight.detach().clone()
    discriminator_before = model.discriminator.weight.detach().clone()
    module = MMLightningModule(model, optim_wrapper=dict(
        generator=dict(optimizer=dict(type='Adam', lr=1e-2)),
        discriminator=dict(optimizer=dict(type='SGD', lr=1e-2))),
        param_scheduler=dict(generator=[dict(type='ConstantLR', factor=0.5, by_epoch=False,
                                             end=3)],
                             discriminator=[]),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=6))
    trainer = make_trainer(max_epochs=-1)
    trainer.fit(module, make_loader())
    assert module.iter == 6
    assert trainer.global_step == 12  # Lightning counts each optimizer's steps
    assert not torch.equal(model.generator.weight, generator_before)
    assert not torch.equal(model.discriminator.weight, discriminator_before)
    assert module.optim_wrapper.get_lr() == {'generator.lr': [1e-2], 'discriminator.lr': [1e-2]}
