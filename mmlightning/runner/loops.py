"""MMEngine's loops: epoch- and iteration-based training, validation and test.

Each loop drives a runner through MMEngine's hook points (``runner.call_hook``)
and the model's ``train_step``/``val_step``/``test_step``. Under mmlightning,
Lightning's loops do the iterating: the train loops are built for their
attributes (``max_epochs``, ``val_interval``, ``stop_training``, ...), and a
validation or test loop whose ``run`` is its own replaces Lightning's evaluation
loop (see :mod:`mmlightning.lightning.loop_classes`). Their ``run`` methods also
work with any runner offering MMEngine's interface.
"""
from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader

from mmlightning.evaluator import Evaluator
from mmlightning.lightning.dataloader_restart import warn_dataloader_restart
from mmlightning.lightning.eval_losses import average_losses, record_losses
from mmlightning.logging import HistoryBuffer, print_log
from mmlightning.registry import LOOPS

from .amp import autocast
from .base_loop import BaseLoop

__all__ = ['EpochBasedTrainLoop', 'IterBasedTrainLoop', 'TestLoop', 'ValLoop',
           '_InfiniteDataloaderIterator']


def _dynamic_schedule(val_interval: int, dynamic_intervals: Sequence[Sequence[int]] | None
                      ) -> tuple[list[int], list[int]]:
    """Milestones (the first 0) and the validation interval from each on.

    Raises:
        TypeError: If ``dynamic_intervals`` is not a list of (milestone, interval) pairs.
    """
    pairs = sorted(tuple(pair) for pair in dynamic_intervals or [])
    if any(len(pair) != 2 for pair in pairs):
        raise TypeError(f'dynamic_intervals must be a list of (milestone, interval) pairs, '
                        f'got {dynamic_intervals!r}')
    return [0, *(m for m, _ in pairs)], [val_interval, *(i for _, i in pairs)]


def _share_dataset_meta(runner: Any, dataloader: Any, evaluator: Any = None) -> None:
    """Give the evaluator and the visualizer the dataset's ``metainfo`` (warn without one)."""
    dataset = getattr(dataloader, 'dataset', None)
    if not hasattr(dataset, 'metainfo'):
        targets = 'evaluator, metric and visualizer' if evaluator is not None else 'visualizer'
        print_log(f'Dataset {type(dataset).__name__} has no metainfo. ``dataset_meta`` in '
                  f'{targets} will be None.', logger='current', level=logging.WARNING)
        return
    if evaluator is not None:
        evaluator.dataset_meta = dataset.metainfo
    visualizer = getattr(runner, 'visualizer', None)
    if visualizer is not None:
        visualizer.dataset_meta = dataset.metainfo


class _TrainLoop(BaseLoop):
    """What both train loops share: counters, ``stop_training`` and the validation interval."""

    def __init__(self, runner: Any, dataloader: DataLoader | Mapping[str, Any],
                 length: tuple[str, int], val_begin: int, val_interval: int,
                 dynamic_intervals: Sequence[Sequence[int]] | None) -> None:
        name, value = length
        if int(value) != value:
            raise TypeError(f'`{name}` should be a integer number, but get {value}')
        super().__init__(runner, dataloader)
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        #: Set by ``EarlyStoppingHook`` (or any hook) to end training.
        self.stop_training = False
        _share_dataset_meta(runner, self.dataloader)
        self.dynamic_milestones, self.dynamic_intervals = _dynamic_schedule(
            val_interval, dynamic_intervals)

    @property
    def max_epochs(self) -> int:
        """Total epochs to train."""
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        """Total iterations to train."""
        return self._max_iters

    @property
    def epoch(self) -> int:
        """Epochs done."""
        return self._epoch

    @property
    def iter(self) -> int:
        """Iterations done."""
        return self._iter

    def _interval_after(self, progress: int) -> int:
        """The validation interval once ``progress`` epochs (or iterations) are done."""
        return self.dynamic_intervals[bisect.bisect(self.dynamic_milestones, progress + 1) - 1]

    def _validate_if_due(self, progress: int, end: int) -> None:
        val_loop = self.runner.val_loop
        if val_loop is not None and progress >= self.val_begin and (
                progress % self.val_interval == 0 or progress == end):
            val_loop.run()

    def _train_step(self, batch_idx: int, data_batch: Any) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=batch_idx, data_batch=data_batch)
        outputs = self.runner.model.train_step(data_batch,
                                               optim_wrapper=self.runner.optim_wrapper)
        self.runner.call_hook('after_train_iter', batch_idx=batch_idx, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1


@LOOPS.register_module()
class EpochBasedTrainLoop(_TrainLoop):
    """Epoch-based training (``train_cfg=dict(by_epoch=True, max_epochs=...)``).

    Counts in epochs: ``val_begin`` (default 1) is the first epoch after which
    validation may run, ``val_interval`` (default 1) how many epochs apart,
    ``dynamic_intervals`` (``[(milestone, interval), ...]``) switches the
    interval from each milestone epoch on.

    Args:
        runner: The runner.
        dataloader: A dataloader or its config.
        max_epochs: Epochs to train.
        val_begin: See above.
        val_interval: See above.
        dynamic_intervals: See above.

    Raises:
        TypeError: If ``max_epochs`` is not a whole number.
    """

    def __init__(self, runner: Any, dataloader: DataLoader | Mapping[str, Any],
                 max_epochs: int, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals: Sequence[Sequence[int]] | None = None) -> None:
        super().__init__(runner, dataloader, ('max_epochs', max_epochs), val_begin, val_interval,
                         dynamic_intervals)
        self._max_epochs = int(max_epochs)
        self._max_iters = self._max_epochs * len(self.dataloader)

    def run(self) -> torch.nn.Module:
        """Train ``max_epochs`` epochs (or until ``stop_training``), validating when due."""
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            self._validate_if_due(self._epoch, self._max_epochs)
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self) -> None:
        """Train one epoch."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx: int, data_batch: Any) -> None:
        """Train on one batch: ``model.train_step(data_batch, optim_wrapper)``."""
        self._train_step(idx, data_batch)

    def _decide_current_val_interval(self) -> None:
        """Switch ``val_interval`` at the ``dynamic_intervals`` milestones."""
        self.val_interval = self._interval_after(self._epoch)


class _InfiniteDataloaderIterator:
    """Iterates a dataloader forever, restarting it when it is exhausted.

    Each restart counts an epoch, passes it to the sampler's ``set_epoch``
    (``dataloader.sampler`` or ``dataloader.batch_sampler.sampler``) and warns
    that an ``InfiniteSampler`` would avoid restarting the workers. The first
    iterator is made on the first ``next``.

    Args:
        dataloader: The dataloader to iterate.
    """

    def __init__(self, dataloader: DataLoader) -> None:
        self._dataloader = dataloader
        self._iterator: Iterator[Any] | None = None
        self._epoch = 0

    def __iter__(self) -> _InfiniteDataloaderIterator:
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = iter(self._dataloader)
        try:
            return next(self._iterator)
        except StopIteration:
            pass
        warn_dataloader_restart()
        self._epoch += 1
        sampler = getattr(self._dataloader, 'sampler', None)
        if not hasattr(sampler, 'set_epoch'):
            sampler = getattr(getattr(self._dataloader, 'batch_sampler', None), 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(self._epoch)
        if getattr(self._dataloader, 'num_workers', 0) > 0:
            time.sleep(2)  # MMEngine waits for the old workers to go (deadlocks otherwise)
        self._iterator = iter(self._dataloader)
        return next(self._iterator)


@LOOPS.register_module()
class IterBasedTrainLoop(_TrainLoop):
    """Iteration-based training (``train_cfg=dict(by_epoch=False, max_iters=...)``).

    As :class:`EpochBasedTrainLoop`, counting in iterations (``val_interval``
    defaults to 1000); the whole run is one epoch for the hooks.

    Args:
        runner: The runner.
        dataloader: A dataloader or its config (iterated forever through
            :class:`_InfiniteDataloaderIterator`).
        max_iters: Iterations to train.
        val_begin: The first iteration after which validation may run.
        val_interval: Iterations between validations.
        dynamic_intervals: Milestone iterations and their new intervals.

    Raises:
        TypeError: If ``max_iters`` is not a whole number.
    """

    def __init__(self, runner: Any, dataloader: DataLoader | Mapping[str, Any],
                 max_iters: int, val_begin: int = 1, val_interval: int = 1000,
                 dynamic_intervals: Sequence[Sequence[int]] | None = None) -> None:
        super().__init__(runner, dataloader, ('max_iters', max_iters), val_begin, val_interval,
                         dynamic_intervals)
        self._max_iters = int(max_iters)
        self._max_epochs = 1  # the whole run is one epoch, as in MMEngine
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)

    def run(self) -> torch.nn.Module:
        """Train ``max_iters`` iterations (or until ``stop_training``), validating when due.

        After a resume (``iter > 0``), the batches already trained on are skipped.
        """
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')  # the whole run is one epoch
        if self._iter > 0:
            print_log(f'Advance dataloader {self._iter} steps to skip data that has already '
                      'been trained', logger='current', level=logging.WARNING)
            for _ in range(self._iter):
                next(self.dataloader_iterator)
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            self.run_iter(next(self.dataloader_iterator))
            self._decide_current_val_interval()
            self._validate_if_due(self._iter, self._max_iters)
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_iter(self, data_batch: Any) -> None:
        """Train on one batch; hooks get the iteration as ``batch_idx``."""
        self._train_step(self._iter, data_batch)

    def _decide_current_val_interval(self) -> None:
        """Switch ``val_interval`` at the ``dynamic_intervals`` milestones."""
        self.val_interval = self._interval_after(self._iter)


class _EvalLoop(BaseLoop):
    """Validation and test: run the model over the dataloader, then the evaluator."""

    #: ``'val'`` or ``'test'``: the hook points and the model step called.
    stage = 'val'

    def __init__(self, runner: Any, dataloader: DataLoader | Mapping[str, Any],
                 evaluator: Evaluator | Mapping | list, fp16: bool = False) -> None:
        super().__init__(runner, dataloader)
        if isinstance(evaluator, (Mapping, list)):
            evaluator = runner.build_evaluator(evaluator)
        elif not isinstance(evaluator, Evaluator) and not hasattr(evaluator, 'evaluate'):
            raise TypeError('evaluator must be one of dict, list or Evaluator instance, '
                            f'but got {type(evaluator)}.')
        self.evaluator = evaluator
        _share_dataset_meta(runner, self.dataloader, self.evaluator)
        self.fp16 = fp16
        setattr(self, f'{self.stage}_loss', {})  # MMEngine's val_loss / test_loss

    @property
    def _losses(self) -> dict[str, HistoryBuffer]:
        return getattr(self, f'{self.stage}_loss')

    def run(self) -> dict:
        """Evaluate the whole dataloader; return the metrics (plus averaged losses)."""
        stage = self.stage
        self.runner.call_hook(f'before_{stage}')
        self.runner.call_hook(f'before_{stage}_epoch')
        self.runner.model.eval()
        self._losses.clear()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self._losses:
            metrics.update(average_losses(self._losses, stage))
        self.runner.call_hook(f'after_{stage}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{stage}')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        """Run the model on one batch (``val_step``/``test_step``) and feed the evaluator."""
        stage = self.stage
        self.runner.call_hook(f'before_{stage}_iter', batch_idx=idx, data_batch=data_batch)
        step = self.runner.model.val_step if stage == 'val' else self.runner.model.test_step
        with autocast(enabled=self.fp16):
            outputs = step(data_batch)
        outputs = record_losses(outputs, self._losses)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(f'after_{stage}_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)


@LOOPS.register_module()
class ValLoop(_EvalLoop):
    """Validation (``val_cfg=dict()``).

    Args:
        runner: The runner.
        dataloader: A dataloader or its config.
        evaluator: An ``Evaluator``, or its config (a dict or a list of metric dicts).
        fp16: Run the model under float16 autocast. Defaults to False.

    Attributes:
        val_loss: The losses the model returned in the last run, by name.
    """

    stage = 'val'


@LOOPS.register_module()
class TestLoop(_EvalLoop):
    """Test (``test_cfg=dict()``): :class:`ValLoop`'s arguments, with ``test_step``, the
    ``*_test*`` hook points and the losses in ``test_loss``."""

    stage = 'test'
