"""``CheckInvalidLossHook``: stop training with a clear error when the loss is NaN or infinite.

Checking costs a host-device synchronisation (``isfinite(loss).item()``) every
``interval`` iterations: on a GPU the CPU waits for the iteration to finish
before queuing the next. With the default ``interval=1`` a NaN is caught at
the iteration it appears; a larger interval (mmdet's configs use 50) makes the
cost negligible but may report a NaN up to ``interval - 1`` iterations late.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from mmlightning.registry import HOOKS
from mmlightning.utils.errors import ReadableKeyError

from .hook import DATA_BATCH, Hook


@HOOKS.register_module()
class CheckInvalidLossHook(Hook):
    """Raises ``FloatingPointError`` when ``outputs['loss']`` is not finite.

    The check runs after every ``interval``-th training iteration on the
    ``outputs`` of ``train_step`` (the parsed losses). The error names the
    iteration (``runner.iter``, counted from 0) and each term of ``outputs``
    with its value, marking the NaN or infinite ones. The error ends the run.

    Args:
        interval: Check every ``interval`` iterations.

    Raises:
        ValueError: If ``interval`` < 1.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 1) -> None:
        if interval < 1:
            raise ValueError(f'CheckInvalidLossHook: interval must be >= 1, got {interval}')
        self.interval = interval

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Check the loss of this iteration.

        Raises:
            KeyError: If ``outputs`` has no ``'loss'``.
            FloatingPointError: If the loss is NaN or infinite.
        """
        if not self.every_n_train_iters(runner, self.interval):
            return
        if not isinstance(outputs, Mapping) or 'loss' not in outputs:
            found = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
            raise ReadableKeyError(f'CheckInvalidLossHook needs the total loss as outputs["loss"] '
                                   f'of train_step (BaseModel.parse_losses provides it), got '
                                   f'{found}')
        if bool(torch.isfinite(torch.as_tensor(outputs['loss'])).all()):
            return
        raise FloatingPointError(f'loss became infinite or NaN at iteration {runner.iter} '
                                 f'(epoch {runner.epoch}): {_describe(outputs)}')


def _describe(outputs: Mapping[str, Any]) -> str:
    """``'loss=nan (NaN), loss_cls=0.5, acc=1.0'``: each value, marking the invalid ones."""
    terms = []
    for name, value in outputs.items():
        tensor = torch.as_tensor(value).detach().float()
        shown = tensor.item() if tensor.numel() == 1 else tensor.tolist()
        if torch.isnan(tensor).any():
            shown = f'{shown} (NaN)'
        elif torch.isinf(tensor).any():
            shown = f'{shown} (inf)'
        terms.append(f'{name}={shown}')
    return ', '.join(terms)
