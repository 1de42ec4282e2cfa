"""``MMLightningModule``: an MMEngine ``BaseModel`` trained by the Lightning Trainer.

``training_step`` calls the model's own ``train_step(data, optim_wrapper)``
unchanged, with manual optimization: the ``OptimWrapper`` runs backward and
step through :class:`LightningOptimBackend`. Parameter schedulers are stepped
in MMEngine's order, ``validation_step``/``test_step`` call ``val_step``/
``test_step`` and feed the evaluator, and the iteration counter and the
scheduler states live in the checkpoint.
"""
from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import torch
from lightning.pytorch import LightningModule
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn

from mmlightning.dist import is_distributed
from mmlightning.logging import MessageHub
from mmlightning.optim import (
    AmpOptimWrapper,
    OptimWrapper,
    OptimWrapperDict,
    build_optim_wrapper,
    scale_lr,
)
from mmlightning.registry import MODELS, init_default_scope
from mmlightning.registry.key_paths import key_path_of, located
from mmlightning.registry.openmmlab import (
    openmmlab_packages,
    prepare_openmmlab,
    share_runtime_info,
)

from .console_noise import quiet_lightning_console
from .custom_evaluation import run_custom_loops
from .dataloader_restart import warn_dataloader_restart
from .eval_losses import average_losses, record_losses
from .evaluation import build_evaluator, dataset_size, numeric_metrics
from .loop_objects import LoopObjects
from .module_loops import LoopObjectsMixin
from .optim_backend import LightningOptimBackend
from .param_schedulers import ParamSchedulers
from .rng_state import gather_rng_states, restore_rng_state, rng_state_for_rank
from .train_loop_spec import TrainLoopSpec
from .trainer_args import precision_of
from .validation_schedule import follow_mmengine_validation_schedule

CHECKPOINT_KEY = 'mmlightning'
_AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def lightning_optim_cfg(cfg: Any) -> Any:
    """``optim_wrapper`` config with ``AmpOptimWrapper`` turned into ``OptimWrapper``.

    Under Lightning the precision plugin owns autocast and loss scaling (see
    :func:`mmlightning.lightning.trainer_args.precision_of`), so a second
    GradScaler or autocast must not come from the wrapper.
    """
    if not isinstance(cfg, Mapping):
        return cfg
    cfg = copy.deepcopy(dict(cfg))
    if cfg.get('type') in ('AmpOptimWrapper', AmpOptimWrapper):
        cfg['type'] = 'OptimWrapper'
        for key in _AMP_ONLY_KEYS:
            cfg.pop(key, None)
    elif 'optimizer' not in cfg and 'constructor' not in cfg:  # OptimWrapperDict children
        cfg = {name: lightning_optim_cfg(child) for name, child in cfg.items()}
    return cfg


class MMLightningModule(LoopObjectsMixin, LightningModule):
    """Trains an MMEngine-style model with the Lightning Trainer.

    Args:
        model: A ``BaseModel`` or its config (built with ``MODELS``).
        optim_wrapper: ``optim_wrapper`` config (or a built ``OptimWrapper``).
        param_scheduler: ``param_scheduler`` config(s).
        val_evaluator: ``val_evaluator`` config (metric dict(s) or ``Evaluator``).
        test_evaluator: ``test_evaluator`` config.
        train_cfg: ``train_cfg``. When given, the module stops iteration-based
            training after ``max_iters`` batches and validates on MMEngine's
            schedule (``val_interval``, ``val_begin``, ``dynamic_intervals``,
            always after the last epoch/iteration); otherwise the Trainer's
            ``max_epochs`` and validation settings apply.
        val_cfg: ``val_cfg``; ``fp16=True`` runs validation under float16 autocast.
            A ``type`` whose loop has its own ``run``/``run_iter`` is run in
            place of Lightning's validation loop (see
            :mod:`~mmlightning.lightning.custom_evaluation`).
        test_cfg: ``test_cfg``; likewise.
        data_preprocessor: Default ``data_preprocessor`` of a model config.
        auto_scale_lr: ``dict(enable=True, base_batch_size=N)``: the learning rates are
            multiplied by (batch size x world size) / N when the optimizers are built
            (MMEngine's linear scaling rule, see :func:`mmlightning.optim.scale_lr`).

    Example::

        >>> module = MMLightningModule.from_cfg(cfg)            # doctest: +SKIP
        >>> datamodule = MMDataModule.from_cfg(cfg)             # doctest: +SKIP
        >>> lightning.Trainer(max_epochs=3, use_distributed_sampler=False,
        ...                   num_sanity_val_steps=0).fit(module, datamodule)  # doctest: +SKIP
    """

    def __init__(self, model: nn.Module | Mapping[str, Any], optim_wrapper: Any = None,
                 param_scheduler: Any = None, val_evaluator: Any = None,
                 test_evaluator: Any = None, train_cfg: Mapping[str, Any] | None = None,
                 val_cfg: Mapping[str, Any] | None = None,
                 test_cfg: Mapping[str, Any] | None = None,
                 data_preprocessor: Mapping[str, Any] | None = None,
                 auto_scale_lr: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        quiet_lightning_console()
        self.automatic_optimization = False
        if isinstance(model, Mapping):
            # build errors name the key path: 'model', 'model.backbone', also for plain dicts
            path = key_path_of(model) or 'model'
            model = copy.deepcopy(model if isinstance(model, dict) else dict(model))
            if data_preprocessor is not None:
                model.setdefault('data_preprocessor', data_preprocessor)
            with located(model, path):
                model = MODELS.build(model)
        if not isinstance(model, nn.Module):
            raise TypeError(f'model must be an nn.Module or a config dict, got {model!r}')
        self.model = model
        self.optim_wrapper_cfg = lightning_optim_cfg(optim_wrapper)
        self.auto_scale_lr = dict(auto_scale_lr) if auto_scale_lr else None
        self._optim_wrapper_path = key_path_of(optim_wrapper) or 'optim_wrapper'
        self.wanted_precision = precision_of(optim_wrapper)
        self.optim_wrapper: OptimWrapper | None = None
        self.auto_scale_lr = dict(auto_scale_lr) if auto_scale_lr else None
        self.param_schedulers = ParamSchedulers(param_scheduler)
        self.val_evaluator = build_evaluator(val_evaluator, 'val_evaluator')
        self.test_evaluator = build_evaluator(test_evaluator, 'test_evaluator')
        self.train_loop = TrainLoopSpec.from_cfg(train_cfg) if train_cfg else None
        #: MMEngine's loop objects (``runner.train_loop``, ...), built during a run.
        self.loops = LoopObjects(self.train_loop, val_cfg, test_cfg,
                                 dict(val=val_evaluator, test=test_evaluator))
        #: The ``runner`` of hooks and loops; a ``HookDispatcher`` sets its own.
        self.runner_view: Any = None
        #: ``'val'``/``'test'`` while a loop's own ``run()`` replaces Lightning's.
        self.running_own_loop: str | None = None
        self.val_fp16 = bool((val_cfg or {}).get('fp16', False))
        self.test_fp16 = bool((test_cfg or {}).get('fp16', False))
        self.iter = 0
        self.last_val_metrics: dict[str, Any] = {}
        self.last_test_metrics: dict[str, Any] = {}
        #: The losses ``val_step``/``test_step`` returned this epoch (MMEngine 0.10.7's).
        self._eval_losses: dict[str, dict[str, Any]] = dict(val={}, test={})
        self._pending_state: dict[str, Any] = {}
        self._optim_backend = LightningOptimBackend(self)
        #: Whether the module steps the parameter schedulers itself; a
        #: ParamSchedulerHook takes this over (see HookDispatcher).
        self.step_schedulers = True
        #: The MessageHub where each training batch records epoch and iter (RuntimeInfoHook's
        #: keys), or None; ``from_cfg`` sets it for configs of OpenMMLab packages.
        self.runtime_info_hub: MessageHub | None = None

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> MMLightningModule:
        """After a device move, tell the model's data preprocessors (MMEngine's ``_set_device``).

        Lightning moves this module, which reaches the model only through
        ``_apply``; MMEngine's ``BaseModel`` updates its preprocessors' device
        in ``to()`` alone, so models of OpenMMLab packages would keep batches
        on the old device.
        """
        module = super()._apply(fn, *args, **kwargs)
        set_device = getattr(self.model, '_set_device', None)
        tensor = next(itertools.chain(self.model.parameters(), self.model.buffers()), None)
        if callable(set_device) and tensor is not None:
            set_device(tensor.device)
        return module

    #: The top-level config keys, besides ``model``, that are arguments of this class.
    CONFIG_KEYS = ('optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
                   'train_cfg', 'val_cfg', 'test_cfg', 'data_preprocessor', 'auto_scale_lr')

    @classmethod
    def from_cfg(cls, cfg: Mapping[str, Any]) -> MMLightningModule:
        """Build from a config with MMEngine's top-level keys (``model``, ``optim_wrapper``...).

        See :meth:`arguments_from_cfg` and :meth:`follow_openmmlab_runtime`.
        """
        model, kwargs = cls.arguments_from_cfg(cfg)
        module = cls(model, **kwargs)
        module.follow_openmmlab_runtime(cfg)
        return module

    @classmethod
    def arguments_from_cfg(cls, cfg: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        """``model`` and the other arguments a config holds, ready to build.

        A ``default_scope`` becomes the current default scope (as the Runner
        makes it), so that the model and, later, the datamodule's datasets
        and transforms resolve their types in that package. A config that
        uses OpenMMLab packages gets mmcv's kernels first (see
        :func:`mmlightning.registry.openmmlab.prepare_openmmlab`).
        """
        prepare_openmmlab(cfg)
        scope = cfg.get('default_scope')
        if scope is not None:
            init_default_scope(scope)
        return cfg['model'], {key: cfg.get(key) for key in cls.CONFIG_KEYS}

    def follow_openmmlab_runtime(self, cfg: Mapping[str, Any]) -> None:
        """For a config using OpenMMLab packages, record epoch and iter every batch where
        their code reads them (TOOD's head, YOLOX's batch resize): without the Runner's
        ``RuntimeInfoHook``, nothing else does."""
        if openmmlab_packages(cfg):
            self.runtime_info_hub = MessageHub.get_instance(f'mmlightning-module-{id(self)}')
            share_runtime_info(self.runtime_info_hub)

    # -------------------------------------------------------------- counters
    @property
    def max_epochs(self) -> int | None:
        """Epochs to train: ``train_cfg.max_epochs`` (1 for iteration-based, as MMEngine
        reports), else the Trainer's."""
        if self.train_loop is not None:
            return self.train_loop.max_epochs if self.train_loop.by_epoch else 1
        if self.train_loop is None and self._trainer is not None and self.trainer.max_epochs:
            return self.trainer.max_epochs if self.trainer.max_epochs > 0 else None
        return None

    @property
    def max_iters(self) -> int | None:
        """Iterations (batches) to train, as MMEngine counts them."""
        if self.train_loop is not None and not self.train_loop.by_epoch:
            return self.train_loop.max_iters
        epochs = self.max_epochs
        if epochs is None or self._trainer is None:
            return None
        batches = self.trainer.num_training_batches
        return None if batches == float('inf') else epochs * int(batches)

    # ----------------------------------------------------------- optimizers
    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        """Build the OptimWrapper(s) and the parameter schedulers; hand Lightning the optimizers.

        The schedulers are built here, as in MMEngine before resuming, so that
        the optimizer state Lightning restores next wins over the learning
        rates the schedulers set when built. Their epoch length comes from the
        training dataloader, which is set up for that.
        """
        if self.optim_wrapper_cfg is None:
            raise ValueError('training needs an optim_wrapper config (e.g. optim_wrapper=dict('
                             "optimizer=dict(type='SGD', lr=0.01)))")
        if self.wanted_precision and self.trainer.precision != self.wanted_precision:
            rank_zero_warn(f'optim_wrapper asks for mixed precision ({self.wanted_precision}) but '
                           f'the Trainer runs {self.trainer.precision!r}: pass Trainer(precision='
                           f'{self.wanted_precision!r}) (the Runner does this for you)')
        with located(self.optim_wrapper_cfg, self._optim_wrapper_path):
            wrapper = _build_optim_wrapper(self.model, self.optim_wrapper_cfg)
        wrappers = list(wrapper.values()) if isinstance(wrapper, OptimWrapperDict) else [wrapper]
        for child in wrappers:
            child.backend = self._optim_backend
        self.optim_wrapper = wrapper
        self.trainer.fit_loop.setup_data()
        if self.auto_scale_lr and self.auto_scale_lr.get('enable', False):
            scale_lr(wrapper, self.auto_scale_lr, self._global_batch_size())
        by_iter = self.train_loop is not None and not self.train_loop.by_epoch
        self.param_schedulers.build(wrapper, int(self.trainer.num_training_batches),
                                    None if by_iter else self.max_epochs, self.max_iters)
        if 'param_schedulers' in self._pending_state:
            self.param_schedulers.load_state_dict(self._pending_state.pop('param_schedulers'))
        return [child.optimizer for child in wrappers]

    def _global_batch_size(self) -> int:
        """Samples one optimizer step sees on all ranks (MMEngine: world size x batch size)."""
        batch_size = getattr(self.trainer.train_dataloader, 'batch_size', None)
        if not batch_size:
            raise ValueError('auto_scale_lr needs the batch size of the training dataloader, '
                             'which has none (a batch_sampler?): set train_dataloader.batch_size '
                             'or disable auto_scale_lr')
        return int(batch_size) * self.trainer.world_size

    def on_fit_start(self) -> None:
        """With a ``train_cfg``, validate on MMEngine's schedule and build ``runner.train_loop``."""
        if self.train_loop is not None:
            follow_mmengine_validation_schedule(self.trainer, self.train_loop, lambda: self.iter)
            self.loops.train(self.get_runner_view(), self.trainer.train_dataloader)

    # ---------------------------------------------------------------- loops
    def setup(self, stage: str) -> None:
        """Before fitting, the model's ``init_weights()``; let the Trainer run a
        ``val_cfg``/``test_cfg`` loop that has its own ``run``.

        ``init_weights`` is what MMEngine's Runner calls in ``train``. It runs before
        Lightning restores a ``ckpt_path``, and only once (``is_init``): the Runner calls
        it too, and a model built here from a config would otherwise train from PyTorch's
        default initialization, without its ``init_cfg`` (an OpenMMLab head's prior bias,
        a backbone's pretrained weights).
        """
        init_weights = getattr(self.model, 'init_weights', None)
        if stage == 'fit' and callable(init_weights) and not getattr(self.model, 'is_init', False):
            init_weights()
        if self.loops.runs_itself('val') or self.loops.runs_itself('test'):
            run_custom_loops(self.trainer)

    def on_train_start(self) -> None:
        """Set the accumulation counters (the last, shorter window also steps)."""
        if self.max_iters is not None:
            self.optim_wrapper.initialize_count_status(self.model, self.iter, self.max_iters)

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Clip here: under AMP the gradients were just unscaled."""
        self._optim_backend.run_before_step(optimizer)

    # ------------------------------------------------------------- training
    def training_step(self, batch: Any, batch_idx: int) -> Mapping[str, torch.Tensor]:
        """``model.train_step(batch, optim_wrapper)``, then the iteration-based schedulers."""
        log_vars = self.model.train_step(batch, optim_wrapper=self.optim_wrapper)
        if self.step_schedulers:
            self.param_schedulers.step_iter()
        self.iter += 1
        if self.iter % max(1, self.trainer.log_every_n_steps) == 0:
            self.log_dict({f'train/{k}': v for k, v in log_vars.items()}, on_step=True,
                          batch_size=_batch_size(batch))
        return log_vars

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """End of an epoch: epoch-based schedulers step before validation (MMEngine order)."""
        if self.trainer.is_last_batch and self.step_schedulers:
            self.param_schedulers.step_epoch()
        if self.train_loop is not None and not self.train_loop.by_epoch \
                and self.iter >= self.train_loop.max_iters:
            self.trainer.should_stop = True

    # ----------------------------------------------------------- evaluation
    def validation_step(self, batch: Any, batch_idx: int) -> Any:
        """``model.val_step(batch)``; outputs go to the evaluator."""
        with _autocast_if(self.val_fp16, self.device):
            outputs = self.model.val_step(batch)
        outputs = record_losses(outputs, self._eval_losses['val'])
        if self.val_evaluator is not None:
            self.val_evaluator.process(data_samples=outputs, data_batch=batch)
        return outputs

    def test_step(self, batch: Any, batch_idx: int) -> Any:
        """``model.test_step(batch)``; outputs go to the test evaluator."""
        with _autocast_if(self.test_fp16, self.device):
            outputs = self.model.test_step(batch)
        outputs = record_losses(outputs, self._eval_losses['test'])
        if self.test_evaluator is not None:
            self.test_evaluator.process(data_samples=outputs, data_batch=batch)
        return outputs

    def predict_step(self, batch: Any, batch_idx: int) -> Any:
        """``model.test_step(batch)``: predictions with ``mode='predict'``."""
        return self.model.test_step(batch)

    def on_validation_epoch_start(self) -> None:
        """Give the evaluator the dataset's metainfo (MMEngine's ValLoop does)."""
        _set_dataset_meta(self.val_evaluator, self.trainer.val_dataloaders)
        self._eval_losses['val'].clear()

    def on_test_epoch_start(self) -> None:
        """Give the test evaluator the dataset's metainfo."""
        _set_dataset_meta(self.test_evaluator, self.trainer.test_dataloaders)
        self._eval_losses['test'].clear()

    def _evaluate(self, stage: str) -> dict[str, Any]:
        """The evaluator's metrics over the whole set, with the averaged losses."""
        evaluator = self.val_evaluator if stage == 'val' else self.test_evaluator
        loaders = self.trainer.val_dataloaders if stage == 'val' else self.trainer.test_dataloaders
        metrics = evaluator.evaluate(dataset_size(loaders))
        if self._eval_losses[stage]:
            metrics.update(average_losses(self._eval_losses[stage], stage))
        return metrics

    def on_validation_epoch_end(self) -> None:
        """Evaluate over the whole set (or take a loop's own metrics), log, and feed
        ReduceOnPlateau schedulers."""
        if self.running_own_loop == 'val':
            metrics = self.last_val_metrics
        elif self.val_evaluator is None:
            return
        else:
            metrics = self.last_val_metrics = self._evaluate('val')
        self._log_metrics(metrics)
        if not self.trainer.sanity_checking and self.step_schedulers:
            self.param_schedulers.step_metrics(metrics)

    def on_test_epoch_end(self) -> None:
        """Evaluate the test set (or take a loop's own metrics) and log the metrics."""
        if self.running_own_loop == 'test':
            self._log_metrics(self.last_test_metrics)
        elif self.test_evaluator is not None:
            self.last_test_metrics = self._evaluate('test')
            self._log_metrics(self.last_test_metrics)

    def _log_metrics(self, metrics: Mapping[str, Any]) -> None:
        # The evaluator returns the same values on every rank: 'max' keeps them exact.
        self.log_dict(numeric_metrics(metrics), batch_size=1, sync_dist=True, reduce_fx='max')

    # ---------------------------------------------------------- checkpoints
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store MMEngine's counters, the scheduler states and every rank's RNG states.

        Under several processes the RNG states are gathered from all ranks (see
        :func:`~mmlightning.lightning.rng_state.gather_rng_states`), a collective:
        Lightning runs this hook on every rank from ``Trainer.save_checkpoint``
        (``ModelCheckpoint``, ``RunnerView.save_checkpoint``), which needs every
        rank anyway, as it ends with a barrier.
        """
        distributed = self._rank_and_world_size()[1] > 1 and is_distributed()
        checkpoint[CHECKPOINT_KEY] = dict(iter=self.iter,
                                          param_schedulers=self.param_schedulers.state_dict(),
                                          **gather_rng_states(distributed))

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Restore the counters; scheduler states apply once the schedulers are built, the RNG
        states right before the next training batch (after Lightning set up its loaders)."""
        state = checkpoint.get(CHECKPOINT_KEY, {})
        self.iter = state.get('iter', 0)
        if state.get('param_schedulers') is not None:
            self._pending_state['param_schedulers'] = state['param_schedulers']
        self._pending_state['rng'] = state

    def on_train_epoch_start(self) -> None:
        """Iteration-based training starting its dataloader again: MMEngine's warning."""
        if self.train_loop is not None and not self.train_loop.by_epoch and \
                self.current_epoch > 0:
            warn_dataloader_restart()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        """After a resume, restore this rank's RNG states right before the first batch trains.

        A checkpoint from another world size restores none, with a warning (see
        :func:`~mmlightning.lightning.rng_state.rng_state_for_rank`); evaluating
        from a checkpoint never gets here, so it never warns.
        """
        if self.runtime_info_hub is not None:
            self.runtime_info_hub.update_info_dict(dict(
                epoch=self.current_epoch, iter=self.iter, max_iters=self.max_iters,
                max_epochs=self.max_epochs))
        if 'rng' in self._pending_state:
            rng = rng_state_for_rank(self._pending_state.pop('rng'), *self._rank_and_world_size())
            if rng is not None:
                restore_rng_state(rng)

    def _rank_and_world_size(self) -> tuple[int, int]:
        """The Trainer's global rank and world size; ``(0, 1)`` without a Trainer."""
        trainer = self._trainer
        return (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)


def _build_optim_wrapper(model: nn.Module, cfg: Any) -> OptimWrapper:
    """MMEngine's ``Runner.build_optim_wrapper`` rules, plus one optimizer per sub-module.

    A dict without ``optimizer`` and ``constructor`` holds several wrappers:
    built ones make an ``OptimWrapperDict`` (MMEngine); configs are built by
    ``MultiOptimWrapperConstructor`` for the sub-modules of those names.
    """
    if isinstance(cfg, OptimWrapper):
        return cfg
    if not isinstance(cfg, Mapping):
        raise TypeError(f'optim_wrapper must be a dict or an OptimWrapper, got {cfg!r}')
    if 'optimizer' in cfg or 'constructor' in cfg:
        return build_optim_wrapper(model, cfg)
    if cfg and all(isinstance(child, OptimWrapper) for child in cfg.values()):
        return OptimWrapperDict(**cfg)
    return build_optim_wrapper(model, dict(cfg, constructor='MultiOptimWrapperConstructor'))


def _batch_size(batch: Any) -> int:
    inputs = batch.get('inputs') if isinstance(batch, Mapping) else batch
    return len(inputs) if hasattr(inputs, '__len__') else 1


def _autocast_if(enabled: bool, device: torch.device) -> Any:
    return torch.autocast(device.type, dtype=torch.float16) if enabled else nullcontext()


def _set_dataset_meta(evaluator: Any, dataloaders: Any) -> None:
    dataset = getattr(dataloaders, 'dataset', None)
    if evaluator is not None and hasattr(dataset, 'metainfo'):
        evaluator.dataset_meta = dataset.metainfo
