"""``EmptyCacheHook``: release the accelerator's cached, unused memory at chosen points."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from mmlightning import device
from mmlightning.registry import HOOKS

from .hook import DATA_BATCH, Hook


def _empty_cache() -> None:
    """``torch.cuda.empty_cache()`` (or MUSA's); nothing without an accelerator."""
    if device.is_cuda_available():
        torch.cuda.empty_cache()
    elif device.is_musa_available():
        torch.musa.empty_cache()  # type: ignore[attr-defined]


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Empties the CUDA (or MUSA) cache before/after epochs and after iterations.

    Every mode counts: training, validation and test epochs and iterations.

    Args:
        before_epoch: Empty the cache before each epoch.
        after_epoch: Empty the cache after each epoch.
        after_iter: Empty the cache after each iteration.
    """

    priority = 'NORMAL'

    def __init__(self, before_epoch: bool = False, after_epoch: bool = True,
                 after_iter: bool = False) -> None:
        self._do_before_epoch = before_epoch
        self._do_after_epoch = after_epoch
        self._do_after_iter = after_iter

    def _after_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: dict | Sequence | None = None, mode: str = 'train') -> None:
        """Empty the cache after an iteration, if ``after_iter``."""
        if self._do_after_iter:
            _empty_cache()

    def _before_epoch(self, runner: Any, mode: str = 'train') -> None:
        """Empty the cache before an epoch, if ``before_epoch``."""
        if self._do_before_epoch:
            _empty_cache()

    def _after_epoch(self, runner: Any, mode: str = 'train') -> None:
        """Empty the cache after an epoch, if ``after_epoch``."""
        if self._do_after_epoch:
            _empty_cache()
