"""Lightning's ``loops`` checkpoint entry for a training position counted as MMEngine counts.

A checkpoint that did not come from Lightning (an MMEngine ``.pth``) has no loop
state, yet ``trainer.fit(ckpt_path=...)`` reads its epoch, its batch and its step
counters from there. Rather than writing Lightning's nested progress dicts by hand
(their layout changes between Lightning versions), :func:`loops_state` takes the
loops of a throwaway ``Trainer``, advances their progress counters through
Lightning's own progress API to the position, and returns their ``state_dict()``:
what ``Trainer.save_checkpoint`` would write at that point.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

#: The loops ``Trainer.save_checkpoint`` saves under ``checkpoint['loops']``.
LOOP_NAMES = ('fit_loop', 'validate_loop', 'test_loop', 'predict_loop')


@contextlib.contextmanager
def _quiet_lightning() -> Iterator[None]:
    """Silence the Trainer's start-up messages (GPU available: ..., tips)."""
    loggers = [logging.getLogger(name) for name in ('lightning.pytorch', 'lightning.fabric')]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def loops_state(epoch: int, iteration: int, batch_in_epoch: int = 0,
                is_last_batch: bool = False) -> dict[str, Any]:
    """``checkpoint['loops']`` of a fit (manual optimization) after ``iteration`` batches.

    Args:
        epoch: With ``batch_in_epoch=0``, the epochs finished: the fit resumes by
            starting epoch ``epoch`` (0-based), as after an end-of-epoch checkpoint.
            Otherwise the epoch the position is inside of.
        iteration: Training batches done in all; also Lightning's ``global_step``
            (one optimizer step per batch) and its logging step.
        batch_in_epoch: ``k > 0``: the position is inside ``epoch``, right after
            its ``k``-th batch, in ``on_train_batch_end``, where ``CheckpointHook``
            saves; the resumed fit continues with batch ``k + 1``.
        is_last_batch: With ``batch_in_epoch``, whether that batch ended the epoch.

    Returns:
        ``{'fit_loop': ..., 'validate_loop': ..., 'test_loop': ..., 'predict_loop': ...}``.

    Raises:
        ValueError: If the counters are negative or ``batch_in_epoch > iteration``.
    """
    if min(epoch, iteration, batch_in_epoch) < 0 or batch_in_epoch > iteration:
        raise ValueError(f'invalid training position: epoch={epoch}, iteration={iteration}, '
                         f'batch_in_epoch={batch_in_epoch}')
    import lightning

    with _quiet_lightning():
        trainer = lightning.Trainer(accelerator='cpu', devices=1, logger=False,
                                    enable_checkpointing=False, enable_progress_bar=False,
                                    enable_model_summary=False)
    fit_loop = trainer.fit_loop
    epoch_loop = fit_loop.epoch_loop
    batches = epoch_loop.batch_progress
    fit_loop.epoch_progress.increment_by(epoch)
    epoch_loop.manual_optimization.optim_step_progress.increment_by(iteration)
    if batch_in_epoch == 0:  # between epochs: every counter agrees
        batches.total.increment_by(iteration)
        epoch_loop._batches_that_stepped = iteration
    else:  # epoch `epoch` started; its last batch went through training_step, not yet done
        fit_loop.epoch_progress.increment_ready()
        fit_loop.epoch_progress.increment_started()
        batches.total.increment_by(iteration - batch_in_epoch)
        batches.increment_by(batch_in_epoch - 1)
        batches.increment_ready()
        batches.increment_started()
        batches.increment_processed()
        batches.is_last_batch = is_last_batch
        # Lightning counts the batch after on_train_batch_end, and adds it on restart
        epoch_loop._batches_that_stepped = iteration - 1
    return {name: getattr(trainer, name).state_dict() for name in LOOP_NAMES}
