"""``MMDistributedDataParallel``: torch DDP with MMEngine's train_step, val_step and test_step.

Under the Runner and ``MMLightningModule`` Lightning's strategy wraps the
model, so this class is for code that drives a ``BaseModel`` itself (its own
loop under ``torchrun``) and for packages that subclass it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mmlightning.registry import MODEL_WRAPPERS

from ..utils import detect_anomalous_params, run_forward

if TYPE_CHECKING:
    from mmlightning.optim import OptimWrapper


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallel(DistributedDataParallel):
    """DDP whose ``train_step`` runs the forward through DDP (so gradients are all-reduced).

    ``train_step`` preprocesses with ``module.data_preprocessor``, calls the
    wrapper's own forward (DDP's, which reaches ``module.forward``) with
    ``mode='loss'`` inside ``optim_wrapper.optim_context(self)`` (``no_sync``
    while accumulating), parses the losses with ``module.parse_losses`` and
    updates the parameters with ``optim_wrapper.update_params``.
    ``val_step``/``test_step`` are the module's (no gradient sync needed).

    A model with several separately optimised parts (a GAN) needs
    :class:`MMSeparateDistributedDataParallel`; a model with its own
    optimisation logic subclasses this class and overrides ``train_step``.

    Args:
        module: The model, a ``BaseModel`` (or anything with
            ``data_preprocessor``, ``parse_losses``, ``val_step``, ``test_step``).
        detect_anomalous_params: Log, after each update, the trainable
            parameters the loss does not depend on (slow; for debugging
            ``find_unused_parameters`` errors).
        **kwargs: Arguments of ``torch.nn.parallel.DistributedDataParallel``
            (``device_ids``, ``broadcast_buffers``, ``find_unused_parameters``, ...).
    """

    def __init__(self, module: nn.Module, detect_anomalous_params: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(module=module, **kwargs)
        self.detect_anomalous_params = detect_anomalous_params

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapper) -> dict[str, torch.Tensor]:
        """Forward (through DDP), parse the losses, update the parameters.

        Args:
            data: A batch from the dataloader.
            optim_wrapper: Runs the backward, the step and the zeroing.

        Returns:
            dict: The losses to log (``module.parse_losses``' second output).
        """
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode='loss')
        parsed_loss, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        if self.detect_anomalous_params:
            detect_anomalous_params(parsed_loss, model=self)
        return log_vars

    def val_step(self, data: dict | tuple | list) -> list:
        """The module's ``val_step`` (the predictions)."""
        return self.module.val_step(data)

    def test_step(self, data: dict | tuple | list) -> list:
        """The module's ``test_step`` (the predictions)."""
        return self.module.test_step(data)

    def _run_forward(self, data: dict | tuple | list, mode: str) -> Any:
        """``self(**data, mode=mode)`` for a dict, ``self(*data, mode=mode)`` for a sequence.

        Raises:
            TypeError: If ``data`` is neither.
        """
        return run_forward(self, data, mode)
