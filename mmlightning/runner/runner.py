"""``Runner``: MMEngine's Runner interface as a thin facade over the Lightning Trainer.

It builds (in MMEngine's order) the pieces a config describes, an
:class:`MMLightningModule` and an :class:`MMDataModule`, and hands them to a
``lightning.Trainer`` whose arguments come from the config
(:func:`mmlightning.lightning.trainer_args.trainer_kwargs`).
"""
from __future__ import annotations

import contextlib
import copy
import inspect
import logging
import os
import os.path as osp
from collections.abc import Iterator, Mapping
from typing import Any

from torch import nn

from mmlightning import fileio
from mmlightning.config import Config
from mmlightning.dist import is_main_process
from mmlightning.logging import MessageHub, MMLogger
from mmlightning.registry import LOG_PROCESSORS, VISUALIZERS, DefaultScope
from mmlightning.registry.openmmlab import (
    openmmlab_packages,
    prepare_openmmlab,
    share_runtime_info,
)

from .checkpoint_loading import load_weights
from .launched_group import join_launched_group, shared_timestamp
from .rank_seed import RankSeed
from .utils import set_random_seed
from .work_dir import WorkDir

logger = logging.getLogger('mmlightning')

#: MMEngine's default hooks, by name; ``default_hooks`` updates them (``None`` removes one).
DEFAULT_HOOKS = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    logger=dict(type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
)


class Runner:
    """Runs an MMEngine-style experiment with the Lightning Trainer.

    The arguments are MMEngine's ``Runner`` arguments (see its documentation),
    plus ``trainer``: a dict of ``lightning.Trainer`` arguments that override
    the translated ones (``strategy='fsdp'``, ``num_nodes``, ``callbacks``, ...).

    Example::

        >>> cfg = Config.fromfile('configs/digits/simple_cnn_digits.py')  # doctest: +SKIP
        >>> Runner.from_cfg(cfg).train()                                   # doctest: +SKIP
    """

    def __init__(self, model: nn.Module | Mapping[str, Any], work_dir: str,
                 train_dataloader: Any = None, val_dataloader: Any = None,
                 test_dataloader: Any = None, train_cfg: Mapping | None = None,
                 val_cfg: Mapping | None = None, test_cfg: Mapping | None = None,
                 auto_scale_lr: Mapping | None = None, optim_wrapper: Any = None,
                 param_scheduler: Any = None, val_evaluator: Any = None,
                 test_evaluator: Any = None, default_hooks: Mapping | None = None,
                 custom_hooks: list | None = None, data_preprocessor: Mapping | None = None,
                 load_from: str | None = None, resume: bool | str = False,
                 launcher: str = 'none', env_cfg: Mapping | None = None,
                 log_processor: Mapping | None = None, log_level: str | int = 'INFO',
                 visualizer: Any = None, default_scope: str = 'mmlightning',
                 randomness: Mapping | None = None, experiment_name: str | None = None,
                 cfg: Mapping | None = None, trainer: Mapping | None = None) -> None:
        local = dict(locals())
        for name in ('self', 'cfg', 'model', '__class__'):
            local.pop(name, None)
        self.cfg = copy.deepcopy(cfg) if isinstance(cfg, Config) else Config(dict(cfg or {}))
        self._work_dir_info = WorkDir(work_dir)
        self._work_dir = self._work_dir_info.path
        self._randomness = dict(randomness or {})
        join_launched_group(launcher, env_cfg or {})
        self.timestamp = shared_timestamp()
        self.experiment_name = self._unique_experiment_name(experiment_name)
        self.log_dir = osp.join(self._work_dir_info.local, self.timestamp)
        self._args = local
        self.load_from = load_from
        self.resume = resume
        self._has_loaded = False
        self.default_scope = DefaultScope.get_instance(self.experiment_name,
                                                       scope_name=default_scope)
        os.makedirs(self.log_dir, exist_ok=True)
        self.logger = MMLogger.get_instance(
            self.experiment_name, log_file=osp.join(self.log_dir, f'{self.timestamp}.log'),
            log_level=log_level)
        self.message_hub = MessageHub.get_instance(self.experiment_name)
        if openmmlab_packages(self.cfg, default_scope):
            prepare_openmmlab(self.cfg, default_scope)  # mmcv-lite: torch kernels as mmcv._ext
            share_runtime_info(self.message_hub)  # their code reads MMEngine's hub
        self.seed = set_random_seed(self._randomness.get('seed'),
                                    self._randomness.get('deterministic', False),
                                    self._randomness.get('diff_rank_seed', False))
        self._setup_work_dir()
        from mmlightning.lightning import MMDataModule
        from mmlightning.lightning.module import MMLightningModule

        self.module = MMLightningModule(
            model, optim_wrapper=optim_wrapper, param_scheduler=param_scheduler,
            val_evaluator=val_evaluator, test_evaluator=test_evaluator, train_cfg=train_cfg,
            val_cfg=val_cfg, test_cfg=test_cfg, data_preprocessor=data_preprocessor)
        self.datamodule = MMDataModule(
            train_dataloader=train_dataloader, val_dataloader=val_dataloader,
            test_dataloader=test_dataloader, seed=self.seed,
            diff_rank_seed=self._randomness.get('diff_rank_seed', False))
        self._trainer = None
        self.visualizer = self._build_visualizer(visualizer)
        self.log_processor = LOG_PROCESSORS.build({'type': 'LogProcessor',
                                                   **dict(log_processor or {})})
        self.hooks = self._build_hooks(default_hooks, custom_hooks)

    @classmethod
    def from_cfg(cls, cfg: Config | Mapping[str, Any]) -> Runner:
        """Build a runner from a config with MMEngine's top-level keys.

        Raises:
            KeyError: If ``model`` or ``work_dir`` is missing.
        """
        cfg = cfg if isinstance(cfg, Config) else Config(dict(cfg))
        hints = dict(model="model=dict(type='...')",
                     work_dir="work_dir='./work_dirs/exp' (the CLI sets it from the file name)")
        for required, hint in hints.items():
            if required not in cfg:
                raise KeyError(f"the config has no '{required}'; set it, e.g. {hint}")
        names = [n for n in inspect.signature(cls).parameters if n not in ('cfg',)]
        kwargs = {name: cfg.get(name) for name in names if name in cfg}
        return cls(cfg=cfg, **kwargs)

    # -------------------------------------------------------------- setup
    def _unique_experiment_name(self, experiment_name: str | None) -> str:
        """MMEngine's name (``<experiment_name or config name>_<timestamp>``), made unique.

        The global instances (logger, message hub, visualizer, scope) are looked
        up by this name, so two runners started in the same second get ``_1``...
        """
        filename = osp.splitext(osp.basename(self.cfg.filename or ''))[0]
        prefix = experiment_name or filename
        name = f'{prefix}_{self.timestamp}' if prefix else self.timestamp
        unique, count = name, 0
        while DefaultScope.check_instance_created(unique):
            count += 1
            unique = f'{name}_{count}'
        return unique

    def _setup_work_dir(self) -> None:
        from mmlightning.utils.dl_utils import collect_env

        environment = '\n'.join(f'    {key}: {value}' for key, value in collect_env().items())
        self.logger.info('Environment:\n%s\n    seed: %s', environment, self.seed)
        if len(self.cfg) and is_main_process():
            name = osp.basename(self.cfg.filename) if self.cfg.filename else 'config.py'
            if not name.endswith('.py'):
                name = osp.splitext(name)[0] + '.py'
            self.cfg.dump(osp.join(self.log_dir, name))

    def _build_visualizer(self, cfg: Any) -> Any:
        """MMEngine's ``build_visualizer``: a local backend in ``log_dir`` by default.

        An OpenMMLab package's visualizer (an MMEngine one) gets the config as an
        ``mmengine.Config``, the only class its backends accept.
        """
        from mmlightning.config.mmengine_config import is_mmengine_object, to_mmengine_config
        from mmlightning.visualization import Visualizer

        if isinstance(cfg, Visualizer):
            visualizer = cfg
        else:
            cfg = dict(cfg) if cfg else dict(type='Visualizer',
                                              vis_backends=[dict(type='LocalVisBackend')])
            cfg.setdefault('name', self.experiment_name)
            cfg.setdefault('save_dir', self.log_dir)
            visualizer = VISUALIZERS.build(cfg)
        if len(self.cfg):
            config = (to_mmengine_config(self.cfg) if is_mmengine_object(visualizer)
                      else self.cfg)
            try:
                visualizer.add_config(config)
            except ValueError as error:
                self.logger.warning('the config was not written to vis_data: %s', error)
        return visualizer

    def _build_hooks(self, default_hooks: Mapping | None, custom_hooks: list | None) -> list:
        """Default hooks (MMEngine's set, updated by ``default_hooks``; ``None`` removes one)
        and ``custom_hooks``, sorted by priority."""
        from mmlightning.lightning.hook_dispatcher import is_hook, sort_hooks

        defaults = {**DEFAULT_HOOKS, **dict(default_hooks or {})}
        hooks = [hook if is_hook(hook) else _build_hook(hook)
                 for hook in [*defaults.values(), *(custom_hooks or [])] if hook is not None]
        return sort_hooks(hooks)

    def build_trainer(self) -> Any:
        """The Lightning Trainer for this run (built once)."""
        if self._trainer is None:
            import lightning

            from mmlightning.lightning import HookDispatcher
            from mmlightning.lightning.trainer_args import trainer_kwargs

            cfg = dict(self._args)
            cfg['work_dir'] = self._work_dir_info.local
            kwargs = trainer_kwargs(cfg)
            dispatcher = HookDispatcher(self.hooks, context=dict(
                work_dir=self._work_dir, log_dir=self.log_dir, timestamp=self.timestamp,
                experiment_name=self.experiment_name, cfg=self.cfg, seed=self.seed,
                deterministic=self._randomness.get('deterministic', False),
                launcher=self._args.get('launcher', 'none'), logger=self.logger,
                message_hub=self.message_hub, visualizer=self.visualizer,
                log_processor=self.log_processor, default_scope=self.default_scope.scope_name,
                _resume=bool(self.resume)))
            kwargs['callbacks'] = [dispatcher, *list(kwargs.get('callbacks') or [])]
            if self._randomness.get('diff_rank_seed', False):
                # self.seed is seed + 0: the processes were not started when it was drawn
                kwargs['callbacks'].append(RankSeed(
                    self.seed, self._randomness.get('deterministic', False)))
            lightning_loggers = [backend.lightning_logger
                                 for backend in self.visualizer._vis_backends.values()
                                 if hasattr(backend, 'lightning_logger')]
            if lightning_loggers and kwargs.get('logger') is False:
                kwargs['logger'] = lightning_loggers
            self._trainer = lightning.Trainer(**kwargs)
        return self._trainer

    # --------------------------------------------------------- properties
    @property
    def trainer(self) -> Any:
        """The Lightning Trainer (built on first use)."""
        return self.build_trainer()

    @property
    def model(self) -> nn.Module:
        """The model being trained (the ``BaseModel``)."""
        return self.module.model

    @property
    def work_dir(self) -> str:
        """Where checkpoints, logs and the dumped config go (a local path or a URL)."""
        return self._work_dir

    @property
    def epoch(self) -> int:
        """Epochs completed (0 for iteration-based training, as in MMEngine)."""
        loop = self.module.train_loop
        if self._trainer is None or (loop is not None and not loop.by_epoch):
            return 0
        return self._trainer.current_epoch

    @property
    def iter(self) -> int:
        """Training iterations (batches) completed."""
        return self.module.iter

    @property
    def max_epochs(self) -> int | None:
        """``train_cfg.max_epochs`` (epoch-based training)."""
        return self.module.max_epochs

    @property
    def max_iters(self) -> int | None:
        """Iterations the whole training takes."""
        return self.module.max_iters

    # -------------------------------------------------------------- runs
    def train(self) -> nn.Module:
        """Train (MMEngine's ``Runner.train``) and return the model."""
        self._init_model_weights()
        if not self.resume:
            self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.fit(self.module, datamodule=self.datamodule,
                             ckpt_path=self._resume_path())
        return self.model

    def val(self) -> dict[str, Any]:
        """Validate once and return the metrics."""
        self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.validate(self.module, datamodule=self.datamodule, verbose=False)
        return dict(self.module.last_val_metrics)

    def test(self) -> dict[str, Any]:
        """Test once and return the metrics."""
        self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.test(self.module, datamodule=self.datamodule, verbose=False)
        return dict(self.module.last_test_metrics)

    @contextlib.contextmanager
    def _uploading_logs(self) -> Iterator[None]:
        """With a URL ``work_dir``, upload this run's log folder when the block ends."""
        try:
            yield
        finally:
            if self._work_dir_info.remote and is_main_process():
                self.logger.info('uploading the logs of %s to %s', self.log_dir,
                                 fileio.join_path(self._work_dir, self.timestamp))
                self._work_dir_info.upload(self.log_dir)

    def _init_model_weights(self) -> None:
        init_weights = getattr(self.model, 'init_weights', None)
        if callable(init_weights) and not getattr(self.model, 'is_init', False):
            init_weights()

    def _load_for_evaluation(self) -> None:
        """``load_from``, once per runner (MMEngine's ``load_or_resume``)."""
        if self.load_from and not self._has_loaded:
            load_weights(self.model, self.load_from)
            self._has_loaded = True

    def _resume_path(self) -> str | None:
        """The Lightning checkpoint to resume; an MMEngine ``.pth`` is converted to one."""
        from .resume_source import lightning_resume_path

        if not self.resume:
            return None
        if isinstance(self.resume, str):
            return lightning_resume_path(self.resume, self)
        marker = fileio.join_path(self._work_dir, 'last_checkpoint')
        if fileio.isfile(marker):
            return lightning_resume_path(fileio.get_text(marker).strip() or None, self)
        logger.warning('resume=True but %s has no last_checkpoint: training from scratch',
                       self._work_dir)
        return None

    def __repr__(self) -> str:
        return f'Runner(experiment={self.experiment_name!r}, work_dir={self._work_dir!r})'


def _build_hook(cfg: Mapping[str, Any]) -> Any:
    """Build a hook config; ``priority`` in the config overrides the class's."""
    from mmlightning.registry import HOOKS

    cfg = dict(cfg)
    priority = cfg.pop('priority', None)
    hook = HOOKS.build(cfg)
    if priority is not None:
        hook.priority = priority
    return hook
