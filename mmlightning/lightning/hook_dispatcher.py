"""``HookDispatcher``: one Lightning callback that runs MMEngine hooks where MMEngine would.

Lightning's order differs from MMEngine's in ways hooks notice, so the
dispatcher translates:

=====================================  ==============================================
Lightning                              MMEngine hook points called
=====================================  ==============================================
``setup`` / ``teardown``               ``before_run`` / ``after_run``
``on_load_checkpoint``                 ``after_load_checkpoint``
``on_train_start``                     ``before_train`` (+ ``before_train_epoch``,
                                       iteration-based)
``on_train_epoch_start``               ``before_train_epoch`` (epoch-based)
``on_train_batch_start``               ``before_train_iter``; first ``before_train_epoch``
                                       if Lightning skipped ``on_train_epoch_start``
                                       (a resume from an epoch's end or middle)
``on_train_batch_end``                 ``after_train_iter``; on the last batch of an
                                       epoch also ``after_train_epoch``, *before*
                                       validation (Lightning validates first)
``on_validation_start``/``..._end``    ``before_val``, ``before_val_epoch`` / (after
                                       the module computed the metrics)
                                       ``after_val_epoch(metrics)``, ``after_val``;
                                       none while a ``val_cfg`` loop's own ``run()``
                                       runs: it calls the hooks itself
``on_train_end``                       (``after_train_epoch``, iteration-based) +
                                       ``after_train``
``on_save_checkpoint``                 ``before_save_checkpoint`` (the message hub's
                                       state is saved first, and loaded on resume)
test hooks                             as validation
=====================================  ==============================================

Hooks run in priority order, MMEngine's way: a lower value first, and hooks
of equal priority in the order they were registered. With a dispatcher the
module leaves the parameter schedulers to the hooks (``ParamSchedulerHook``),
as MMEngine's Runner does.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lightning.pytorch import Callback, LightningModule, Trainer

from mmlightning.hooks import Hook, get_priority

from .hub_state import hub_from_checkpoint, hub_to_checkpoint
from .runner_view import RunnerView


def is_hook(obj: Any) -> bool:
    """Whether ``obj`` is a hook: ours, or MMEngine's (an OpenMMLab package's)."""
    return isinstance(obj, Hook) or (hasattr(obj, 'priority')
                                     and all(hasattr(obj, point) for point in Hook.stages))


def sort_hooks(hooks: Iterable[Hook]) -> list[Hook]:
    """``hooks`` ordered by priority, keeping the given order among equals."""
    ordered: list[Hook] = []
    for hook in hooks:
        priority = get_priority(hook.priority)
        index = len(ordered)
        while index > 0 and get_priority(ordered[index - 1].priority) > priority:
            index -= 1
        ordered.insert(index, hook)
    return ordered


class HookDispatcher(Callback):
    """Runs MMEngine hooks from Lightning's callback points.

    Args:
        hooks: The hooks; they are sorted by priority.
        context: Values the hooks' ``runner`` offers beyond the Lightning run
            (``work_dir``, ``cfg``, ``message_hub``, ...).
    """

    def __init__(self, hooks: Iterable[Hook] = (), context: Mapping[str, Any] | None = None
                 ) -> None:
        self.hooks = sort_hooks(hooks)
        for hook in self.hooks:
            if not is_hook(hook):
                raise TypeError(f'hooks must be Hook instances, got {type(hook).__name__}')
        self.context = dict(context or {})
        self.view: RunnerView | None = None
        #: The Lightning epoch whose ``before_train_epoch`` ran (epoch-based training).
        self._started_epoch: int | None = None

    def call(self, point: str, **kwargs: Any) -> None:
        """Call ``point`` (e.g. ``'after_train_iter'``) on every hook that has it, in priority
        order; a custom loop's own points (``'before_warmup_iter'``) too, as in MMEngine."""
        for hook in self.hooks:
            method = getattr(hook, point, None)
            if method is not None:
                method(self.view, **kwargs)
        self.view.flush_train_loop()

    @staticmethod
    def _own_loop_runs(pl_module: LightningModule) -> bool:
        """Whether a validation/test loop's own ``run()`` is running: it calls the hooks."""
        return getattr(pl_module, 'running_own_loop', None) is not None

    def _iter_based(self, pl_module: Any) -> bool:
        loop = getattr(pl_module, 'train_loop', None)
        return loop is not None and not loop.by_epoch

    # ------------------------------------------------------------- run
    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        self.view = RunnerView(trainer, pl_module, self.context, call_hook=self.call,
                               hooks=self.hooks)
        if hasattr(pl_module, 'runner_view'):  # the loop objects share the hooks' runner
            pl_module.runner_view = self.view
        # As in MMEngine, the hooks step the schedulers (ParamSchedulerHook, at its priority).
        pl_module.step_schedulers = False
        self.call('before_run')

    def teardown(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        self.call('after_run')

    def on_load_checkpoint(self, trainer: Trainer, pl_module: LightningModule,
                           checkpoint: dict[str, Any]) -> None:
        hub = self.context.get('message_hub')
        if hub is not None and 'message_hub' in checkpoint:
            hub_from_checkpoint(hub, checkpoint['message_hub'])  # MMEngine's resume does this
        self.call('after_load_checkpoint', checkpoint=checkpoint)

    def on_save_checkpoint(self, trainer: Trainer, pl_module: LightningModule,
                           checkpoint: dict[str, Any]) -> None:
        hub = self.context.get('message_hub')
        if hub is not None:  # as MMEngine's Runner.save_checkpoint, in a weights_only-safe form
            checkpoint['message_hub'] = hub_to_checkpoint(hub)
        self.call('before_save_checkpoint', checkpoint=checkpoint)

    # -------------------------------------------------------- training
    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self.call('before_train')
        if self._iter_based(pl_module):
            self.call('before_train_epoch')

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self._iter_based(pl_module):
            self._start_epoch(trainer)

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any,
                             batch_idx: int) -> None:
        if self._iter_based(pl_module):  # MMEngine's IterBasedTrainLoop passes the iteration
            batch_idx = self.view.iter
        elif self._started_epoch != trainer.current_epoch:
            # Resumed from a checkpoint written at an epoch's end (or mid-epoch), Lightning
            # skips on_train_epoch_start; MMEngine's loop starts every epoch it runs.
            self._start_epoch(trainer)
        self.call('before_train_iter', batch_idx=batch_idx, data_batch=batch)

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.view.iter_offset = -1  # the module counted the batch; MMEngine counts it after
        if self._iter_based(pl_module):
            batch_idx = self.view.iter
        try:
            self.call('after_train_iter', batch_idx=batch_idx, data_batch=batch,
                      outputs=outputs)
        finally:
            self.view.iter_offset = 0
        if trainer.is_last_batch and not self._iter_based(pl_module):
            self.call('after_train_epoch')
            self.view.epoch_finished = True

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self.view.epoch_finished = False

    def _start_epoch(self, trainer: Trainer) -> None:
        self._started_epoch = trainer.current_epoch
        self.call('before_train_epoch')

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._iter_based(pl_module):
            self.call('after_train_epoch')
        self.call('after_train')

    # ------------------------------------------------------ evaluation
    def on_validation_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._own_loop_runs(pl_module):
            return
        self.call('before_val')
        self.call('before_val_epoch')

    def on_validation_batch_start(self, trainer: Trainer, pl_module: LightningModule,
                                  batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        self.call('before_val_iter', batch_idx=batch_idx, data_batch=batch)

    def on_validation_batch_end(self, trainer: Trainer, pl_module: LightningModule,
                                outputs: Any, batch: Any, batch_idx: int,
                                dataloader_idx: int = 0) -> None:
        self.call('after_val_iter', batch_idx=batch_idx, data_batch=batch, outputs=outputs)

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._own_loop_runs(pl_module):
            return
        self.call('after_val_epoch', metrics=getattr(pl_module, 'last_val_metrics', None))
        self.call('after_val')

    def on_test_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._own_loop_runs(pl_module):
            return
        self.call('before_test')
        self.call('before_test_epoch')

    def on_test_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch: Any,
                            batch_idx: int, dataloader_idx: int = 0) -> None:
        self.call('before_test_iter', batch_idx=batch_idx, data_batch=batch)

    def on_test_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                          batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        self.call('after_test_iter', batch_idx=batch_idx, data_batch=batch, outputs=outputs)

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._own_loop_runs(pl_module):
            return
        self.call('after_test_epoch', metrics=getattr(pl_module, 'last_test_metrics', None))
        self.call('after_test')
