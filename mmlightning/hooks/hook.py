"""``Hook``: MMEngine's extension points of a training run.

A hook overrides any of the 22 points in :attr:`Hook.stages`; each receives a
``runner`` (under Lightning a :class:`~mmlightning.lightning.RunnerView`). The
``_before_epoch``/``_after_epoch``/``_before_iter``/``_after_iter`` methods
receive all three modes (train, val, test) at once.
"""
from __future__ import annotations

from typing import Any

from mmlightning.utils import is_method_overridden

DATA_BATCH = dict | tuple | list | None


class Hook:
    """Base class of hooks. Subclasses override the points they need.

    Attributes:
        priority: When the hook runs relative to others (a :class:`Priority`
            name, an int in 0-100, or a :class:`Priority`); lower runs first.
    """

    priority: Any = 'NORMAL'
    stages = ('before_run', 'after_load_checkpoint', 'before_train', 'before_train_epoch',
              'before_train_iter', 'after_train_iter', 'after_train_epoch', 'before_val',
              'before_val_epoch', 'before_val_iter', 'after_val_iter', 'after_val_epoch',
              'after_val', 'before_save_checkpoint', 'after_train', 'before_test',
              'before_test_epoch', 'before_test_iter', 'after_test_iter', 'after_test_epoch',
              'after_test', 'after_run')

    def before_run(self, runner: Any) -> None:
        """Once, before ``train()``, ``val()`` or ``test()`` does anything."""

    def after_run(self, runner: Any) -> None:
        """Once, when ``train()``, ``val()`` or ``test()`` ends."""

    def before_train(self, runner: Any) -> None:
        """Before the first training epoch."""

    def after_train(self, runner: Any) -> None:
        """After the last training epoch (and its validation)."""

    def before_val(self, runner: Any) -> None:
        """Before each validation."""

    def after_val(self, runner: Any) -> None:
        """After each validation."""

    def before_test(self, runner: Any) -> None:
        """Before testing."""

    def after_test(self, runner: Any) -> None:
        """After testing."""

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Before ``checkpoint`` is written; changes to it are saved."""

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """After ``checkpoint`` was loaded (resume or ``load_from``)."""

    def before_train_epoch(self, runner: Any) -> None:
        """Before each training epoch."""
        self._before_epoch(runner, mode='train')

    def before_val_epoch(self, runner: Any) -> None:
        """Before the validation epoch."""
        self._before_epoch(runner, mode='val')

    def before_test_epoch(self, runner: Any) -> None:
        """Before the test epoch."""
        self._before_epoch(runner, mode='test')

    def after_train_epoch(self, runner: Any) -> None:
        """After each training epoch, before its validation."""
        self._after_epoch(runner, mode='train')

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """After the validation epoch, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode='val')

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """After the test epoch, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode='test')

    def before_train_iter(self, runner: Any, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Before each training iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='train')

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        """Before each validation iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='val')

    def before_test_iter(self, runner: Any, batch_idx: int,
                         data_batch: DATA_BATCH = None) -> None:
        """Before each test iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='test')

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """After each training iteration, with ``train_step``'s ``outputs``."""
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='train')

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Any = None) -> None:
        """After each validation iteration, with ``val_step``'s ``outputs``."""
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='val')

    def after_test_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Any = None) -> None:
        """After each test iteration, with ``test_step``'s ``outputs``."""
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='test')

    def _before_epoch(self, runner: Any, mode: str = 'train') -> None:
        """Before an epoch of any mode."""

    def _after_epoch(self, runner: Any, mode: str = 'train') -> None:
        """After an epoch of any mode."""

    def _before_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                     mode: str = 'train') -> None:
        """Before an iteration of any mode."""

    def _after_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: Any = None, mode: str = 'train') -> None:
        """After an iteration of any mode."""

    # ------------------------------------------------------------- helpers
    def every_n_epochs(self, runner: Any, n: int, start: int = 0) -> bool:
        """Whether the current epoch is a multiple of ``n`` counted from ``start``."""
        dividend = runner.epoch + 1 - start
        return dividend % n == 0 if dividend >= 0 and n > 0 else False

    def every_n_inner_iters(self, batch_idx: int, n: int) -> bool:
        """Whether ``batch_idx`` ends a group of ``n`` iterations of the epoch."""
        return (batch_idx + 1) % n == 0 if n > 0 else False

    def every_n_train_iters(self, runner: Any, n: int, start: int = 0) -> bool:
        """Whether the current training iteration is a multiple of ``n`` from ``start``."""
        dividend = runner.iter + 1 - start
        return dividend % n == 0 if dividend >= 0 and n > 0 else False

    def end_of_epoch(self, dataloader: Any, batch_idx: int) -> bool:
        """Whether ``batch_idx`` is the last batch of ``dataloader``."""
        return batch_idx + 1 == len(dataloader)

    def is_last_train_epoch(self, runner: Any) -> bool:
        """Whether the current epoch is the last one."""
        return runner.epoch + 1 == runner.max_epochs

    def is_last_train_iter(self, runner: Any) -> bool:
        """Whether the current iteration is the last one."""
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self) -> list[str]:
        """The stages this hook overrides (directly or through the mode-generic methods)."""
        stages = {stage for stage in Hook.stages if is_method_overridden(stage, Hook, self)}
        generic = {'_before_epoch': ('before_train_epoch', 'before_val_epoch',
                                     'before_test_epoch'),
                   '_after_epoch': ('after_train_epoch', 'after_val_epoch', 'after_test_epoch'),
                   '_before_iter': ('before_train_iter', 'before_val_iter', 'before_test_iter'),
                   '_after_iter': ('after_train_iter', 'after_val_iter', 'after_test_iter')}
        for method, method_stages in generic.items():
            if is_method_overridden(method, Hook, self):
                stages.update(method_stages)
        return [stage for stage in Hook.stages if stage in stages]
