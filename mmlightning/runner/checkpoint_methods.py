"""MMEngine's ``Runner.load_checkpoint``, ``Runner.save_checkpoint`` and ``Runner.resume``.

Weights load at once, as in MMEngine. Resuming restores the whole training
state (optimizers, schedulers, counters, samplers, RNG states), which the
Lightning Trainer does when training starts: ``resume(filename)`` names the
checkpoint the next ``train()`` continues from.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmlightning.model.checkpoint.loader import (
    DEFAULT_REVISE_KEYS,
    _load_checkpoint,
    _load_checkpoint_to_model,
)
from mmlightning.model.wrappers.utils import is_model_wrapper


class CheckpointMethodsMixin:
    """``load_checkpoint``, ``save_checkpoint`` and ``resume``."""

    _resume: bool | str
    _has_loaded: bool
    logger: Any
    model: Any

    def load_checkpoint(self, filename: str, map_location: Any = 'cpu', strict: bool = False,
                        revise_keys: Sequence[tuple[str, str]] = DEFAULT_REVISE_KEYS) -> dict:
        """Load the weights of ``filename`` (a Lightning ``.ckpt`` or an MMEngine ``.pth``)
        into the model; the hooks' ``after_load_checkpoint`` sees the checkpoint first.

        Returns:
            The checkpoint.
        """
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)  # type: ignore[attr-defined]
        model = self.model.module if is_model_wrapper(self.model) else self.model
        checkpoint = _load_checkpoint_to_model(model, checkpoint, strict,
                                               revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def save_checkpoint(self, out_dir: str, filename: str, file_client_args: dict | None = None,
                        save_optimizer: bool = True, save_param_scheduler: bool = True,
                        meta: dict | None = None, by_epoch: bool = True,
                        backend_args: dict | None = None) -> str:
        """Write a Lightning checkpoint of the current run (or of the last one) to
        ``out_dir/filename``; see :meth:`mmlightning.lightning.RunnerView.save_checkpoint`.

        Returns:
            The checkpoint's path.

        Raises:
            RuntimeError: Before any ``train()``/``val()``/``test()``: nothing is built yet.
        """
        dispatcher = getattr(self, '_dispatcher', None)
        if dispatcher is None or dispatcher.view is None:
            raise RuntimeError('save_checkpoint writes the state of a run: call it after (or '
                               'during, from a hook) runner.train(), val() or test()')
        return dispatcher.view.save_checkpoint(
            out_dir, filename, file_client_args=file_client_args, save_optimizer=save_optimizer,
            save_param_scheduler=save_param_scheduler, meta=meta, by_epoch=by_epoch,
            backend_args=backend_args)

    def resume(self, filename: str, resume_optimizer: bool = True,
               resume_param_scheduler: bool = True, map_location: Any = 'default') -> None:
        """Continue training from ``filename`` when ``train()`` runs.

        ``filename`` is a Lightning ``.ckpt`` or an MMEngine ``.pth`` (converted,
        see ``docs/porting.md``); ``map_location`` is Lightning's choice (each
        tensor to its process's device).

        Raises:
            ValueError: If ``resume_optimizer`` or ``resume_param_scheduler`` is
                False: Lightning restores the whole training state (load only the
                weights with ``load_checkpoint`` or ``load_from``).
        """
        if not (resume_optimizer and resume_param_scheduler):
            raise ValueError('resume restores the whole training state under Lightning, '
                             'optimizer and parameter schedulers included; to start a new '
                             'training from the weights only, use load_checkpoint(filename) or '
                             'load_from')
        self._resume = filename
        dispatcher = getattr(self, '_dispatcher', None)
        if dispatcher is not None:  # the Trainer was built already: tell its hooks
            dispatcher.context['_resume'] = True
