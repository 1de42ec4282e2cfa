"""``TinyGAN``: a two-optimizer GAN of multilayer perceptrons for low-dimensional data.

It shows the MMEngine pattern for several optimizers: the model overrides
``train_step`` and receives an ``OptimWrapperDict`` with one wrapper per
sub-module (``optim_wrapper=dict(generator=dict(...), discriminator=dict(...))``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlightning.registry import MODELS

from .base_model import BaseModel

_MODES = ('loss', 'predict', 'tensor')


def _mlp(in_features: int, hidden: int, depth: int, out_features: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        width = hidden
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


@contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    """Stop gradients into ``module``'s parameters (restoring their flags after)."""
    flags = [p.requires_grad for p in module.parameters()]
    for param in module.parameters():
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param, flag in zip(module.parameters(), flags):
            param.requires_grad_(flag)


@MODELS.register_module()
class TinyGAN(BaseModel):
    """A non-saturating GAN whose generator and discriminator are MLPs.

    ``train_step`` updates the discriminator ``disc_steps`` times, then the
    generator once, each with its own optimizer wrapper. Real samples are the
    batch's ``inputs`` (a list of ``(data_dim,)`` tensors or an ``(N, data_dim)``
    tensor).

    ``forward`` modes: ``'tensor'`` maps noise ``(N, noise_dim)`` to samples;
    ``'loss'`` returns both losses for a batch of real samples (no update);
    ``'predict'`` draws as many fake samples as there are real ones and returns
    one ``BaseDataElement`` per sample with ``fake`` (the generated point) and
    ``real`` (the input), data samples' metainfo kept.

    Args:
        data_dim: Dimension of the data.
        noise_dim: Dimension of the generator's noise.
        hidden: Width of the hidden layers.
        depth: Number of hidden layers of each network.
        disc_steps: Discriminator updates per generator update.
        data_preprocessor: See :class:`BaseModel`.
        init_cfg: See :class:`BaseModule`.

    Raises:
        ValueError: If a size or ``disc_steps`` is not positive.
    """

    def __init__(self, data_dim: int = 2, noise_dim: int = 8, hidden: int = 64, depth: int = 2,
                 disc_steps: int = 1, data_preprocessor: dict | nn.Module | None = None,
                 init_cfg: dict | list[dict] | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        sizes = dict(data_dim=data_dim, noise_dim=noise_dim, hidden=hidden, depth=depth,
                     disc_steps=disc_steps)
        for name, value in sizes.items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'TinyGAN: {name}={value!r} must be a positive integer')
        self.noise_dim = noise_dim
        self.disc_steps = disc_steps
        self.generator = _mlp(noise_dim, hidden, depth, data_dim)
        self.discriminator = _mlp(data_dim, hidden, depth, 1)

    def sample_noise(self, num: int, device: torch.device | None = None) -> torch.Tensor:
        """``num`` standard normal noise vectors on ``device`` (the model's by default)."""
        device = device or next(self.generator.parameters()).device
        return torch.randn(num, self.noise_dim, device=device)

    def disc_loss(self, real: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy of the discriminator on real and (detached) fake samples."""
        fake = self.generator(self.sample_noise(len(real), real.device)).detach()
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))

    def gen_loss(self, num: int, device: torch.device) -> torch.Tensor:
        """Non-saturating generator loss: the discriminator should call fakes real."""
        logits = self.discriminator(self.generator(self.sample_noise(num, device)))
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """Update the discriminator, then the generator.

        Args:
            data: A batch from the dataloader.
            optim_wrapper: An ``OptimWrapperDict`` with ``generator`` and
                ``discriminator`` wrappers.

        Returns:
            dict[str, Tensor]: ``loss_disc`` and ``loss_gen`` to log.

        Raises:
            KeyError: If ``optim_wrapper`` lacks one of the two wrappers.
        """
        for name in ('generator', 'discriminator'):
            if name not in optim_wrapper:
                raise KeyError(f"TinyGAN.train_step: optim_wrapper has no '{name}' wrapper; set "
                               f'optim_wrapper=dict(generator=dict(optimizer=...), '
                               f'discriminator=dict(optimizer=...))')
        real = self._real(self.data_preprocessor(data, True))
        disc_wrapper, gen_wrapper = optim_wrapper['discriminator'], optim_wrapper['generator']
        log_vars: dict[str, torch.Tensor] = {}
        for _ in range(self.disc_steps):
            with disc_wrapper.optim_context(self.discriminator):
                loss, log_vars = self.parse_losses(dict(loss_disc=self.disc_loss(real)))
            disc_wrapper.update_params(loss)
        with gen_wrapper.optim_context(self.generator), _frozen(self.discriminator):
            loss, gen_vars = self.parse_losses(dict(loss_gen=self.gen_loss(len(real),
                                                                           real.device)))
            gen_wrapper.update_params(loss)
        return {**log_vars, **gen_vars}

    def forward(self, inputs: Any, data_samples: list | None = None,
                mode: str = 'tensor') -> Any:
        """Run the model in ``mode`` (see the class docstring).

        Raises:
            ValueError: If ``mode`` is unknown.
        """
        if mode not in _MODES:
            raise ValueError(f'TinyGAN: invalid mode {mode!r}; use one of {_MODES}')
        if mode == 'tensor':
            return self.generator(inputs)
        real = self._real(dict(inputs=inputs))
        if mode == 'loss':
            return dict(loss_disc=self.disc_loss(real),
                        loss_gen=self.gen_loss(len(real), real.device))
        return self.predict(real, data_samples)

    def predict(self, real: torch.Tensor, data_samples: list | None = None) -> list:
        """One data sample per real point, holding it and a generated point."""
        from mmlightning.structures import BaseDataElement

        fake = self.generator(self.sample_noise(len(real), real.device)).detach()
        metainfos = [s.metainfo for s in data_samples] if data_samples else [{}] * len(real)
        return [BaseDataElement(metainfo=meta, fake=f, real=r.detach())
                for meta, f, r in zip(metainfos, fake, real)]

    @staticmethod
    def _real(data: dict) -> torch.Tensor:
        inputs = data['inputs']
        return (torch.stack(list(inputs)) if not isinstance(inputs, torch.Tensor)
                else inputs).float()
