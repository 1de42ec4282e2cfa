"""``BaseOptimWrapper``: the interface every optimizer wrapper implements."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

import torch
from torch.optim import Optimizer


class BaseOptimWrapper(metaclass=ABCMeta):
    """Common interface of optimizer wrappers, as in MMEngine.

    With more than one parameter group the wrapper adds a fake group,
    ``base_param_settings`` (``{'params': tensor([0.]), **optimizer.defaults}``),
    to :attr:`param_groups`, so that parameter schedulers also schedule a
    "base" learning rate that :meth:`get_lr` reports as ``base_lr``.

    Args:
        optimizer: The wrapped optimizer.

    Raises:
        TypeError: If ``optimizer`` is not a built optimizer (e.g. a config dict).
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not hasattr(optimizer, 'param_groups') or not hasattr(optimizer, 'defaults'):
            raise TypeError(
                f'{type(self).__name__} wraps a built torch.optim.Optimizer, got '
                f'{type(optimizer).__name__}. To build one from a config use '
                "build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(...))).")
        self.optimizer = optimizer
        self.base_param_settings: dict[str, Any] | None = None
        if len(optimizer.param_groups) > 1:
            self.base_param_settings = {'params': torch.tensor([0.0], dtype=torch.float),
                                        **optimizer.defaults}

    @abstractmethod
    def update_params(self, *args: Any, **kwargs: Any) -> None:
        """Update the parameters of :attr:`optimizer`."""

    @abstractmethod
    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Back-propagate ``loss``."""

    @abstractmethod
    def zero_grad(self, **kwargs: Any) -> None:
        """Reset the gradients."""

    @abstractmethod
    def step(self, **kwargs: Any) -> None:
        """Update the parameters with the current gradients."""

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict, plus ``base_param_settings`` when it exists."""
        state_dict = self.optimizer.state_dict()
        if self.base_param_settings is not None:
            state_dict['base_param_settings'] = self.base_param_settings
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict written by :meth:`state_dict` (the argument is not modified).

        Args:
            state_dict: The optimizer state, optionally with ``base_param_settings``.
        """
        state_dict = dict(state_dict)
        base_param_settings = state_dict.pop('base_param_settings', None)
        if base_param_settings is not None:
            self.base_param_settings = base_param_settings
        self.optimizer.load_state_dict(state_dict)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The optimizer's groups, plus the fake ``base_param_settings`` group if any."""
        if self.base_param_settings is not None:
            return self.optimizer.param_groups + [self.base_param_settings]
        return self.optimizer.param_groups

    @property
    def defaults(self) -> dict[str, Any]:
        """The optimizer's ``defaults``."""
        return self.optimizer.defaults

    def get_lr(self) -> dict[str, list[float]]:
        """Learning rates: ``{'base_lr': [...]}`` (several groups only) and ``{'lr': [...]}``."""
        result = {}
        if self.base_param_settings is not None:
            result['base_lr'] = [self.base_param_settings['lr']]
        result['lr'] = [group['lr'] for group in self.optimizer.param_groups]
        return result

    def get_momentum(self) -> dict[str, list[float]]:
        """Momentum per group: ``momentum``, else ``betas[0]``, else ``0``."""
        momentum = []
        for group in self.optimizer.param_groups:
            if 'momentum' in group:
                momentum.append(group['momentum'])
            elif 'betas' in group:
                momentum.append(group['betas'][0])
            else:
                momentum.append(0)
        return {'momentum': momentum}
