"""``RuntimeInfoHook``: puts the run's state into the message hub (``mmengine.hooks``).

Components that cannot reach the runner read ``epoch``, ``iter``,
``max_iters``, the learning rates, the losses and the metrics from
``MessageHub.get_current_instance()``.

Difference from MMEngine: the tensors of ``train_step``'s outputs are handed to
the hub as tensors; the hub keeps them lazily and converts them when a log line
reads them, so this hook adds no host-device synchronisation per iteration.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from mmlightning.registry import HOOKS
from mmlightning.utils import get_git_hash
from mmlightning.version import __version__

from .errors import HookRunnerTypeError
from .hook import DATA_BATCH, Hook


def _is_scalar(value: Any) -> bool:
    """Whether ``value`` is a number, a numpy scalar or a one-element array/tensor."""
    if isinstance(value, np.ndarray):
        return value.size == 1
    if isinstance(value, torch.Tensor):
        return value.numel() == 1
    return isinstance(value, (int, float, np.number))


def config_text(cfg: Any) -> str:
    """``cfg.pretty_text``, or the ``repr`` of its dict when a value has no literal form.

    Args:
        cfg: A :class:`~mmlightning.config.Config` (or any mapping).

    Returns:
        The config as text, for the message hub's ``cfg`` entry.
    """
    if not hasattr(type(cfg), 'pretty_text'):  # a plain mapping
        return repr(dict(cfg or {}))
    try:
        return cfg.pretty_text
    except ValueError:  # e.g. a dataset instance given directly to the Runner
        return repr(cfg.to_dict())


@HOOKS.register_module()
class RuntimeInfoHook(Hook):
    """Updates the runtime information of the message hub.

    Keys written: ``cfg``, ``seed``, ``experiment_name``, ``mmlightning_version``
    (before the run); ``loop_stage``, ``epoch``, ``iter``, ``max_epochs``,
    ``max_iters``, ``dataset_meta`` (training); the scalars ``train/<lr name>``,
    ``train/<output key>`` and ``val/<metric>`` / ``test/<metric>`` (non-scalar
    metrics as runtime information).
    """

    priority = 'VERY_HIGH'
    last_loop_stage: str | None = None

    def before_run(self, runner: Any) -> None:
        """Record the config text, seed, experiment name and library version."""
        runner.message_hub.update_info_dict(dict(
            cfg=config_text(runner.cfg), seed=runner.seed,
            experiment_name=runner.experiment_name,
            mmlightning_version=__version__ + get_git_hash()))
        self.last_loop_stage = None

    def before_train(self, runner: Any) -> None:
        """Record the (possibly resumed) training state and the dataset's meta information."""
        hub = runner.message_hub
        hub.update_info('loop_stage', 'train')
        hub.update_info('epoch', runner.epoch)
        hub.update_info('iter', runner.iter)
        hub.update_info('max_epochs', runner.max_epochs)
        hub.update_info('max_iters', runner.max_iters)
        dataset = getattr(runner.train_dataloader, 'dataset', None)
        if hasattr(dataset, 'metainfo'):
            hub.update_info('dataset_meta', dataset.metainfo)

    def after_train(self, runner: Any) -> None:
        """Training is over: drop ``loop_stage``."""
        runner.message_hub.pop_info('loop_stage')

    def before_train_epoch(self, runner: Any) -> None:
        """Record the epoch."""
        runner.message_hub.update_info('epoch', runner.epoch)

    def before_train_iter(self, runner: Any, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Record the iteration and the learning rates (``train/lr``, ...).

        Raises:
            TypeError: If ``runner.optim_wrapper.get_lr()`` does not return a dict.
        """
        runner.message_hub.update_info('iter', runner.iter)
        lr_dict = runner.optim_wrapper.get_lr()
        if not isinstance(lr_dict, dict):
            raise HookRunnerTypeError(
                '`runner.optim_wrapper.get_lr()` should return a dict of learning rates '
                f'(OptimWrapper or OptimWrapperDict), but got {type(lr_dict).__name__}; check '
                'that your optimizer constructor returns an OptimWrapper or OptimWrapperDict')
        for name, lr in lr_dict.items():
            runner.message_hub.update_scalar(f'train/{name}', lr[0])

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: dict | None = None) -> None:
        """Record each item of ``train_step``'s outputs as the scalar ``train/<key>``."""
        if outputs is not None:
            for key, value in outputs.items():
                runner.message_hub.update_scalar(f'train/{key}', value)

    def before_val(self, runner: Any) -> None:
        """Set ``loop_stage`` to 'val', remembering whether training was running."""
        self.last_loop_stage = runner.message_hub.get_info('loop_stage')
        runner.message_hub.update_info('loop_stage', 'val')

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Record the validation metrics as ``val/<name>``."""
        self._record_metrics(runner, metrics, 'val')

    def after_val(self, runner: Any) -> None:
        """Back to ``loop_stage='train'`` when validating during training, else drop it."""
        if self.last_loop_stage == 'train':
            runner.message_hub.update_info('loop_stage', self.last_loop_stage)
            self.last_loop_stage = None
        else:
            runner.message_hub.pop_info('loop_stage')

    def before_test(self, runner: Any) -> None:
        """Set ``loop_stage`` to 'test'."""
        runner.message_hub.update_info('loop_stage', 'test')

    def after_test(self, runner: Any) -> None:
        """Testing is over: drop ``loop_stage``."""
        runner.message_hub.pop_info('loop_stage')

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        """Record the test metrics as ``test/<name>``."""
        self._record_metrics(runner, metrics, 'test')

    @staticmethod
    def _record_metrics(runner: Any, metrics: dict[str, Any] | None, mode: str) -> None:
        """Scalar metrics as scalars, the others (e.g. confusion matrices) as information."""
        for key, value in (metrics or {}).items():
            if _is_scalar(value):
                runner.message_hub.update_scalar(f'{mode}/{key}', value)
            else:
                runner.message_hub.update_info(f'{mode}/{key}', value)
