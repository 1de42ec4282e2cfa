"""Averaged copies of a model for SWA and EMA (updated in place)."""
from __future__ import annotations

import logging
from abc import abstractmethod
from copy import deepcopy
from typing import Any

import torch
from torch import Tensor, nn

from mmlightning.registry import MODELS

from .errors import ModelValueError

logger = logging.getLogger('mmlightning')


class BaseAveragedModel(nn.Module):
    """A copy of ``model`` whose parameters are a running average of the model's.

    The first :meth:`update_parameters` copies the model; afterwards every
    ``interval``-th call applies :meth:`avg_func` to each floating-point
    parameter (and buffer, with ``update_buffers``). Without
    ``update_buffers`` the buffers are copied on every call. ``steps`` (a
    buffer, so it is checkpointed) counts the calls.

    Args:
        model: The model to average.
        interval: Average every ``interval`` calls.
        device: Where to keep the averaged copy (default: with ``model``).
        update_buffers: Average the buffers too instead of copying them.
    """

    def __init__(self, model: nn.Module, interval: int = 1, device: torch.device | None = None,
                 update_buffers: bool = False) -> None:
        super().__init__()
        self.module = deepcopy(model).requires_grad_(False)
        self.interval = interval
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer('steps', torch.tensor(0, dtype=torch.long, device=device))
        self.update_buffers = update_buffers
        self.avg_parameters: dict[str, Tensor] = (
            self.module.state_dict() if update_buffers else dict(self.module.named_parameters()))

    @abstractmethod
    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """Update ``averaged_param`` in place from ``source_param``.

        Args:
            averaged_param: The averaged value (updated in place).
            source_param: The model's current value.
            steps: How many times the average has been updated.
        """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged model."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: nn.Module) -> None:
        """Fold ``model``'s current parameters into the average.

        Args:
            model: The model being trained (same structure as the copy).
        """
        source = model.state_dict() if self.update_buffers else dict(model.named_parameters())
        if self.steps == 0:
            for key, p_avg in self.avg_parameters.items():
                p_avg.data.copy_(source[key].data)
        elif self.steps % self.interval == 0:
            for key, p_avg in self.avg_parameters.items():
                if p_avg.dtype.is_floating_point:
                    self.avg_func(p_avg.data, source[key].data.to(p_avg.device), self.steps)
        if not self.update_buffers:
            for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
                b_avg.data.copy_(b_src.data.to(b_avg.device))
        self.steps += 1


@MODELS.register_module()
class StochasticWeightAverage(BaseAveragedModel):
    """Stochastic Weight Averaging: the plain mean of the sampled weights (Izmailov et al. 2018)."""

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """``avg += (src - avg) / (steps // interval + 1)``."""
        averaged_param.add_(source_param - averaged_param,
                            alpha=1 / float(steps // self.interval + 1))


def _check_momentum(momentum: float) -> None:
    if not 0.0 < momentum < 1.0:
        raise ModelValueError(f'momentum must be in range (0.0, 1.0), but got {momentum}')
    if momentum > 0.5:
        logger.warning(
            'The value of momentum in EMA is usually a small number, which is different from '
            f'the conventional notion of momentum but got {momentum}. Please make sure the '
            'value is correct.')


@MODELS.register_module()
class ExponentialMovingAverage(BaseAveragedModel):
    """Exponential moving average: ``ema = (1 - momentum) * ema + momentum * param``.

    Note that ``momentum`` weights the *new* value (MMEngine's convention,
    the opposite of optimiser momentum), so it is small, e.g. ``0.0002``.

    Args:
        model: The model to average.
        momentum: Weight of the model's current parameters, in (0, 1).
        interval: Average every ``interval`` calls.
        device: Where to keep the averaged copy.
        update_buffers: Average the buffers too instead of copying them.

    Raises:
        ModelValueError: If ``momentum`` is not in (0, 1) (a ``ValueError`` and an
            ``AssertionError``).
    """

    def __init__(self, model: nn.Module, momentum: float = 0.0002, interval: int = 1,
                 device: torch.device | None = None, update_buffers: bool = False) -> None:
        super().__init__(model, interval, device, update_buffers)
        _check_momentum(momentum)
        self.momentum = momentum

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """``avg.lerp_(src, momentum)``."""
        averaged_param.lerp_(source_param, self.momentum)


@MODELS.register_module()
class MomentumAnnealingEMA(ExponentialMovingAverage):
    """EMA whose momentum starts large: ``max(momentum, gamma / (gamma + steps))``.

    Args:
        model: The model to average.
        momentum: Final (smallest) momentum, in (0, 1).
        gamma: Annealing speed; larger keeps the momentum large for longer.
        interval: Average every ``interval`` calls.
        device: Where to keep the averaged copy.
        update_buffers: Average the buffers too instead of copying them.

    Raises:
        ModelValueError: If ``momentum`` is not in (0, 1) or ``gamma`` is not positive
            (a ``ValueError`` and an ``AssertionError``).
    """

    def __init__(self, model: nn.Module, momentum: float = 0.0002, gamma: int = 100,
                 interval: int = 1, device: torch.device | None = None,
                 update_buffers: bool = False) -> None:
        super().__init__(model=model, momentum=momentum, interval=interval, device=device,
                         update_buffers=update_buffers)
        if gamma <= 0:
            raise ModelValueError(f'gamma must be greater than 0, but got {gamma}')
        self.gamma = gamma

    def avg_func(self, averaged_param: Tensor, source_param: Tensor, steps: int) -> None:
        """``avg.lerp_(src, max(momentum, gamma / (gamma + steps)))``."""
        momentum = max(self.momentum, self.gamma / (self.gamma + self.steps.item()))
        averaged_param.lerp_(source_param, momentum)
