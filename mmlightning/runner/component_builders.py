"""MMEngine's ``Runner.build_*`` methods: each builds one component from an object or config.

They follow MMEngine's semantics (an instance is returned as is, a config is
built from its registry with the runner's defaults); the Runner uses them for
what it builds itself, and MMEngine code calls them directly.
"""
from __future__ import annotations

import copy
import os.path as osp
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from torch import nn
from torch.optim import Optimizer
from torch.utils.data import DataLoader

from mmlightning.dist import get_dist_info
from mmlightning.logging import LogProcessor, MessageHub, MMLogger
from mmlightning.registry import LOG_PROCESSORS, MODELS, OPTIM_WRAPPERS, VISUALIZERS
from mmlightning.registry.key_paths import key_path_of, located

from .errors import RunnerKeyError, RunnerOrderError


class ComponentBuildersMixin:
    """``build_model``, ``wrap_model``, ``build_dataloader``, ``build_optim_wrapper``,
    ``build_param_scheduler``, ``build_evaluator``, ``build_log_processor``,
    ``build_message_hub``, ``build_visualizer``, ``build_logger`` and ``scale_lr``."""

    _experiment_name: str
    _log_dir: str
    _args: dict[str, Any]
    timestamp: str
    logger: Any
    module: Any
    model: nn.Module
    optim_wrapper: Any
    train_dataloader: Any
    _train_dataloader: Any
    max_epochs: int | None

    # ------------------------------------------------------------ model
    def build_model(self, model: nn.Module | Mapping[str, Any]) -> nn.Module:
        """``model`` as is, or built from ``MODELS``.

        Raises:
            TypeError: If ``model`` is neither a module nor a dict.
        """
        if isinstance(model, nn.Module):
            return model
        if isinstance(model, Mapping):
            path = key_path_of(model) or 'model'  # build errors name it, also for plain dicts
            cfg = copy.deepcopy(model if isinstance(model, dict) else dict(model))
            with located(cfg, path):
                return MODELS.build(cfg)
        raise TypeError(f'model should be a nn.Module object or dict, but got {model!r}')

    def wrap_model(self, model_wrapper_cfg: Mapping[str, Any] | None, model: nn.Module
                   ) -> nn.Module:
        """The model ready for a run in this process.

        Not distributed (no launcher, no multi-device ``trainer`` arguments),
        ``SyncBatchNorm`` layers become ``BatchNorm`` (MMEngine's
        ``revert_sync_batchnorm``). Distributed, the Lightning strategy wraps
        the model when the run starts (DDP, FSDP, ...), so it is returned
        unwrapped; under a launcher the DDP arguments of ``model_wrapper_cfg``
        go to Lightning's ``DDPStrategy`` (see
        :func:`mmlightning.lightning.trainer_args.trainer_kwargs`).
        """
        from mmlightning.model.utils import revert_sync_batchnorm

        if not self._runs_distributed():
            return revert_sync_batchnorm(model)
        return model

    def _runs_distributed(self) -> bool:
        """Whether the run uses several processes (now, or once Lightning launches them)."""
        trainer_cfg = dict(self._args.get('trainer') or {})
        multi = any(trainer_cfg.get(key) not in (None, 1, 'auto')
                    for key in ('devices', 'num_nodes'))
        return (get_dist_info()[1] > 1 or self._args.get('launcher', 'none') != 'none'
                or multi or 'strategy' in trainer_cfg)

    # ------------------------------------------------------------- data
    @staticmethod
    def build_dataloader(dataloader: DataLoader | Mapping[str, Any], seed: int | None = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        """``dataloader`` as is, or built (see :func:`mmlightning.dataset.build_dataloader`)."""
        from mmlightning.dataset.builder import build_dataloader

        return build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    # ------------------------------------------------------- optimizers
    def build_optim_wrapper(self, optim_wrapper: Any) -> Any:
        """An ``OptimWrapper`` (or ``OptimWrapperDict``) from an instance or a config.

        A config with an ``optimizer`` instance is built from ``OPTIM_WRAPPERS``
        (default type ``OptimWrapper``); one with an optimizer config or a
        ``constructor`` through the constructor for ``self.model``; any other
        dict must map names to built wrappers (an ``OptimWrapperDict``).

        Raises:
            TypeError: If ``optim_wrapper`` is neither a wrapper nor a dict.
            ValueError: If a dict of wrappers holds something else.
        """
        from mmlightning.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

        if isinstance(optim_wrapper, OptimWrapper):
            return optim_wrapper
        if not isinstance(optim_wrapper, Mapping):
            raise TypeError('optimizer wrapper should be an OptimWrapper object or dict, but '
                            f'got {optim_wrapper!r}')
        optimizer = optim_wrapper.get('optimizer')
        if isinstance(optimizer, Optimizer):
            cfg = dict(optim_wrapper)
            cfg.setdefault('type', 'OptimWrapper')
            return OPTIM_WRAPPERS.build(cfg)
        if optimizer is not None or 'constructor' in optim_wrapper:
            return build_optim_wrapper(self.model, optim_wrapper)
        wrappers: OrderedDict[str, Any] = OrderedDict()
        for name, wrapper in optim_wrapper.items():
            if not isinstance(wrapper, OptimWrapper):
                raise ValueError('each item mush be an optimizer object when "type" and '
                                 f'"constructor" are not in optimizer, but got {name}={wrapper!r}'
                                 ' (build each wrapper, or give a constructor that builds them)')
            wrappers[name] = wrapper
        return OptimWrapperDict(**wrappers)

    def build_param_scheduler(self, scheduler: Any) -> list | dict[str, list]:
        """Parameter schedulers for ``self.optim_wrapper`` (built first).

        A config without ``end`` ends at ``max_epochs`` (``by_epoch``) or
        ``max_iters``; ``convert_to_iter_based`` uses the train dataloader's
        length. With an ``OptimWrapperDict``, a dict without ``type`` gives
        each wrapper its own schedulers, anything else is built for every one.

        Raises:
            RunnerOrderError: If ``self.optim_wrapper`` is not built (also an
                ``AssertionError``, as MMEngine's).
        """
        from mmlightning.lightning.param_schedulers import ParamSchedulers
        from mmlightning.optim import OptimWrapper

        optim_wrapper = self.optim_wrapper
        if not isinstance(optim_wrapper, OptimWrapper):
            raise RunnerOrderError('`build_optimizer` should be called before '
                                   '`build_param_scheduler` because the latter depends on the '
                                   'former: runner.optim_wrapper is '
                                   f'{type(optim_wrapper).__name__}; set it to '
                                   'runner.build_optim_wrapper(...) first')
        needs_length = any(isinstance(cfg, Mapping) and cfg.get('convert_to_iter_based')
                           for cfg in _scheduler_cfgs(scheduler))
        epoch_length = len(self.train_dataloader) if needs_length else 1
        return ParamSchedulers(scheduler).build(
            optim_wrapper, epoch_length=epoch_length,
            max_epochs=self.max_epochs, max_iters=self._default_max_iters(epoch_length))

    def _default_max_iters(self, epoch_length: int) -> int | None:
        module = self.module
        loop = module.train_loop
        if loop is not None and loop.by_epoch and module.max_epochs is not None:
            return module.max_epochs * epoch_length
        return module.max_iters

    def scale_lr(self, optim_wrapper: Any, auto_scale_lr: Mapping[str, Any] | None = None
                 ) -> None:
        """Scale the lr linearly with the total batch size (MMEngine's ``auto_scale_lr``).

        The total batch size is the train dataloader's ``batch_size`` times the
        world size; nothing happens when ``auto_scale_lr`` is None or not enabled.

        Raises:
            RunnerKeyError: If enabled without ``base_batch_size`` (also an
                ``AssertionError``, as MMEngine's).
        """
        from mmlightning.optim import scale_lr

        if auto_scale_lr is None or not auto_scale_lr.get('enable', False):
            return
        if 'base_batch_size' not in auto_scale_lr:
            raise RunnerKeyError('auto_scale_lr is enabled but has no base_batch_size: set '
                                 'auto_scale_lr=dict(enable=True, base_batch_size=<the batch '
                                 'size the lr was tuned for>)')
        loader = self._train_dataloader
        batch_size = loader.batch_size if isinstance(loader, DataLoader) else \
            loader['batch_size']
        scale_lr(optim_wrapper, auto_scale_lr, get_dist_info()[1] * batch_size)

    # ------------------------------------------------------- evaluation
    def build_evaluator(self, evaluator: Any) -> Any:
        """An ``Evaluator`` from an instance, a metric config or a list of them.

        Raises:
            TypeError: For any other value (a bare metric too: wrap it in a list).
        """
        from mmlightning.evaluator import Evaluator
        from mmlightning.lightning.evaluation import build_evaluator

        if not isinstance(evaluator, (Evaluator, Mapping, list)):
            raise TypeError('evaluator should be one of dict, list of dict, and Evaluator, but '
                            f'got {evaluator!r}')
        return build_evaluator(evaluator)

    # --------------------------------------------------- logs and views
    def build_log_processor(self, log_processor: Any) -> LogProcessor:
        """A ``LogProcessor`` from an instance or a config (default type ``LogProcessor``).

        Raises:
            TypeError: If ``log_processor`` is neither.
        """
        if isinstance(log_processor, LogProcessor):
            return log_processor
        if not isinstance(log_processor, Mapping):
            raise TypeError('log processor should be a LogProcessor object or dict, but got '
                            f'{log_processor!r}')
        cfg = {'type': 'LogProcessor', **dict(log_processor)}
        with located(cfg, key_path_of(log_processor) or 'log_processor'):
            return LOG_PROCESSORS.build(cfg)

    def build_message_hub(self, message_hub: Mapping[str, Any] | None = None) -> MessageHub:
        """The global ``MessageHub`` named ``message_hub['name']`` (default: the experiment).

        Raises:
            TypeError: If ``message_hub`` is neither a dict nor None.
        """
        if message_hub is not None and not isinstance(message_hub, Mapping):
            raise TypeError(f'message_hub should be dict or None, but got {message_hub!r}')
        cfg = {'name': self._experiment_name, **dict(message_hub or {})}
        return MessageHub.get_instance(**cfg)

    def build_visualizer(self, visualizer: Any = None) -> Any:
        """A visualizer: an instance as is, a config from ``VISUALIZERS``, or by default a
        ``Visualizer`` with a ``LocalVisBackend``; named after the experiment and saving
        in ``log_dir`` unless the config says otherwise.

        Raises:
            TypeError: If ``visualizer`` is not a visualizer, a dict or None.
        """
        from mmlightning.visualization import Visualizer

        if _is_visualizer(visualizer):
            return visualizer
        if visualizer is not None and not isinstance(visualizer, Mapping):
            raise TypeError('visualizer should be Visualizer object, a dict or None, but got '
                            f'{visualizer!r}')
        if not visualizer:  # None or {}: MMEngine's default
            return Visualizer.get_instance(name=self._experiment_name, save_dir=self._log_dir,
                                           vis_backends=[dict(type='LocalVisBackend')])
        cfg = {'type': 'Visualizer', 'name': self._experiment_name, 'save_dir': self._log_dir,
               **dict(visualizer)}
        with located(cfg, key_path_of(visualizer) or 'visualizer'):
            return VISUALIZERS.build(cfg)

    def build_logger(self, log_level: int | str = 'INFO', log_file: str | None = None,
                     **kwargs: Any) -> MMLogger:
        """The global ``MMLogger`` (default name: the experiment) writing to ``log_file``
        (default ``<log_dir>/<timestamp>.log``)."""
        if log_file is None:
            log_file = osp.join(self._log_dir, f'{self.timestamp}.log')
        cfg = {'name': self._experiment_name, **kwargs}
        return MMLogger.get_instance(log_level=log_level, log_file=log_file, **cfg)


def _scheduler_cfgs(scheduler: Any) -> list:
    """The scheduler configs/objects of ``scheduler`` (a list, one, or a dict per wrapper)."""
    if isinstance(scheduler, Mapping) and 'type' not in scheduler:
        return [cfg for value in scheduler.values() for cfg in _scheduler_cfgs(value)]
    return list(scheduler) if isinstance(scheduler, (list, tuple)) else [scheduler]


def _is_visualizer(obj: Any) -> bool:
    """Ours, or an OpenMMLab package's (an MMEngine ``Visualizer``)."""
    from mmlightning.config.mmengine_config import is_mmengine_object
    from mmlightning.visualization import Visualizer

    return isinstance(obj, Visualizer) or (is_mmengine_object(obj) and hasattr(obj, 'add_scalars'))
