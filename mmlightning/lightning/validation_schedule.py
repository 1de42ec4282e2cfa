"""Validation on MMEngine's schedule inside Lightning's fit loop.

Lightning validates every ``check_val_every_n_epoch`` epochs or every
``val_check_interval`` batches; it has no ``val_begin``, no
``dynamic_intervals`` and no forced validation after the last epoch. The
training epoch loop asks one method, ``_should_check_val_fx``, after every
batch; this module replaces it on the loop instance with MMEngine's rule.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lightning.pytorch import Trainer

from .train_loop_spec import TrainLoopSpec


def follow_mmengine_validation_schedule(trainer: Trainer, spec: TrainLoopSpec,
                                        iterations_done: Callable[[], int]) -> None:
    """Make ``trainer`` validate when MMEngine's train loop would.

    Args:
        trainer: The Trainer about to fit.
        spec: The ``train_cfg`` schedule.
        iterations_done: Returns the number of training batches done so far.

    Raises:
        RuntimeError: If this Lightning version's loop has no ``_should_check_val_fx``.
    """
    epoch_loop = trainer.fit_loop.epoch_loop
    if not hasattr(epoch_loop, '_should_check_val_fx'):
        raise RuntimeError('this Lightning version has no _TrainingEpochLoop._should_check_val_fx; '
                           'mmlightning supports the lightning versions in its pyproject.toml')

    def should_check_val(data_fetcher: Any) -> bool:
        if not trainer.enable_validation:
            return False
        if spec.by_epoch:
            return bool(epoch_loop.batch_progress.is_last_batch) and \
                spec.should_validate(trainer.current_epoch + 1)
        return spec.should_validate(iterations_done())

    epoch_loop._should_check_val_fx = should_check_val
