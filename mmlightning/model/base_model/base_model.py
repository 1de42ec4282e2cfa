"""``BaseModel``: a model that preprocesses, computes losses and steps its optimiser."""
from __future__ import annotations

from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Protocol

import torch
from torch import nn

from mmlightning.registry import MODELS

from ..base_module import BaseModule
from ..utils import run_forward
from .data_preprocessor import BaseDataPreprocessor


class OptimWrapperLike(Protocol):
    """What :meth:`BaseModel.train_step` needs of an ``OptimWrapper``."""

    def optim_context(self, model: nn.Module) -> Any: ...

    def update_params(self, loss: torch.Tensor) -> None: ...


def _is_list_of_tensors(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, torch.Tensor) for item in value)


class BaseModel(BaseModule):
    """Base class of algorithms: ``forward`` in three modes plus the train/val/test steps.

    Subclasses implement :meth:`forward`. ``train_step`` runs the data
    preprocessor, ``forward(mode='loss')``, :meth:`parse_losses` and
    ``optim_wrapper.update_params``; ``val_step``/``test_step`` return
    ``forward(mode='predict')``.

    Args:
        data_preprocessor: Config dict (built from ``MODELS``) or module;
            ``None`` means ``dict(type='BaseDataPreprocessor')``.
        init_cfg: Weight initialisation config (see :class:`BaseModule`).

    Raises:
        TypeError: If ``data_preprocessor`` is neither a dict nor a module.
    """

    def __init__(self, data_preprocessor: dict | nn.Module | None = None,
                 init_cfg: dict | list[dict] | None = None) -> None:
        super().__init__(init_cfg)
        if data_preprocessor is None:
            data_preprocessor = dict(type='BaseDataPreprocessor')
        if isinstance(data_preprocessor, nn.Module):
            self.data_preprocessor = data_preprocessor
        elif isinstance(data_preprocessor, Mapping):
            self.data_preprocessor = MODELS.build(data_preprocessor)
        else:
            raise TypeError('data_preprocessor should be a dict (config) or an nn.Module, '
                            f'got {data_preprocessor!r} ({type(data_preprocessor).__name__})')

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapperLike) -> dict[str, torch.Tensor]:
        """Preprocess, compute the losses and update the parameters.

        Args:
            data: A batch from the dataloader.
            optim_wrapper: Runs backward and the optimiser step
                (``optim_context(model)`` and ``update_params(loss)``).

        Returns:
            dict[str, Tensor]: ``log_vars`` from :meth:`parse_losses`.
        """
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed_losses, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed_losses)
        return log_vars

    def val_step(self, data: dict | tuple | list) -> list:
        """Preprocess and return ``forward(mode='predict')`` (the predictions)."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode='predict')

    def test_step(self, data: dict | tuple | list) -> list:
        """Same as :meth:`val_step`."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode='predict')

    def parse_losses(self, losses: Mapping[str, Any]
                     ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Reduce the raw ``forward(mode='loss')`` output to a loss and values to log.

        Each value is reduced to its mean (a list of tensors to the sum of
        their means). The total loss is the sum of the values whose key
        contains ``'loss'``; other keys (``'acc'``) are logged only.

        Args:
            losses: Loss name -> tensor or list of tensors.

        Returns:
            tuple: The total loss, and an ``OrderedDict`` of ``'loss'``
            (the total) followed by each reduced value in input order.

        Raises:
            TypeError: If a value is neither a tensor nor a list of tensors.
        """
        log_vars = []
        for name, value in losses.items():
            if isinstance(value, torch.Tensor):
                log_vars.append((name, value.mean()))
            elif _is_list_of_tensors(value):
                log_vars.append((name, sum(item.mean() for item in value)))
            else:
                raise TypeError(
                    f'{name} is not a tensor or list of tensors: got {type(value).__name__} '
                    f'from forward(mode="loss"); return tensors (wrap numbers with '
                    'torch.tensor) or log them elsewhere.')
        loss = sum(value for key, value in log_vars if 'loss' in key)
        return loss, OrderedDict([('loss', loss), *log_vars])  # type: ignore[return-value]

    def to(self, *args: Any, **kwargs: Any) -> nn.Module:
        """``nn.Module.to`` that also moves the data preprocessors' device."""
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._set_device(torch.device(device))
        return super().to(*args, **kwargs)

    def cuda(self, device: int | str | torch.device | None = None) -> nn.Module:
        """``nn.Module.cuda`` that also moves the data preprocessors' device."""
        return self._move_indexed('cuda', device)

    def musa(self, device: int | str | torch.device | None = None) -> nn.Module:
        """Move to a MUSA device (needs ``torch_musa``), preprocessors included."""
        return self._move_indexed('musa', device)

    def mlu(self, device: int | str | torch.device | None = None) -> nn.Module:
        """Move to the current MLU (needs ``torch_mlu``), preprocessors included."""
        return self._move_to_current('mlu')

    def npu(self, device: int | str | torch.device | None = None) -> nn.Module:
        """Move to the current NPU (needs ``torch_npu``), preprocessors included."""
        return self._move_to_current('npu')

    def cpu(self, *args: Any, **kwargs: Any) -> nn.Module:
        """``nn.Module.cpu`` that also moves the data preprocessors' device."""
        self._set_device(torch.device('cpu'))
        return super().cpu()

    def _move_indexed(self, kind: str, device: int | str | torch.device | None) -> nn.Module:
        if device is None or isinstance(device, int):
            device = torch.device(kind, index=device)
        self._set_device(torch.device(device))
        return getattr(super(), kind)(device)

    def _move_to_current(self, kind: str) -> nn.Module:
        """Move to ``torch.<kind>.current_device()`` (vendor backends ignore the index)."""
        self._set_device(torch.device(kind, getattr(torch, kind).current_device()))
        return getattr(super(), kind)()

    def _set_device(self, device: torch.device) -> None:
        """Set the device of every :class:`BaseDataPreprocessor` in this model."""
        for module in self.modules():
            if isinstance(module, BaseDataPreprocessor):
                module._device = device

    @abstractmethod
    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor') -> dict[str, torch.Tensor] | list | Any:
        """Compute losses, predictions or raw outputs.

        Args:
            inputs: The batch inputs from the data preprocessor.
            data_samples: The batch's annotations / meta information.
            mode: ``'loss'`` (return a dict of losses for :meth:`parse_losses`),
                ``'predict'`` (a list of results for the evaluator) or
                ``'tensor'`` (raw network outputs).
        """

    def _run_forward(self, data: dict | tuple | list, mode: str) -> Any:
        """Call ``self(**data, mode=mode)`` for a dict, ``self(*data, mode=mode)`` for a sequence.

        Raises:
            TypeError: If ``data`` is neither.
        """
        return run_forward(self, data, mode)

