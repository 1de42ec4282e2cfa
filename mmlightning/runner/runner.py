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
from mmlightning.lightning.loop_objects import build_loop
from mmlightning.logging.logger import FILE_ONLY
from mmlightning.registry import RUNNERS, DefaultScope
from mmlightning.registry.openmmlab import (
    openmmlab_packages,
    prepare_openmmlab,
    share_runtime_info,
)

from .argument_checks import check_scheduler_cfg, check_stage_arguments
from .checkpoint_loading import load_weights
from .checkpoint_methods import CheckpointMethodsMixin
from .component_builders import ComponentBuildersMixin
from .errors import RunnerModelError
from .hook_registration import DEFAULT_HOOKS, HookRegistrationMixin
from .launched_group import join_launched_group, shared_timestamp
from .log_upload import LogUploader
from .rank_seed import RankSeed
from .runner_properties import RunnerPropertiesMixin
from .utils import set_random_seed
from .work_dir import WorkDir

logger = logging.getLogger('mmlightning')

__all__ = ['DEFAULT_HOOKS', 'Runner']


@RUNNERS.register_module()
class Runner(RunnerPropertiesMixin, ComponentBuildersMixin, HookRegistrationMixin,
             CheckpointMethodsMixin):
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
        check_stage_arguments(local)
        check_scheduler_cfg(param_scheduler)
        self.cfg = copy.deepcopy(cfg) if isinstance(cfg, Config) else Config(dict(cfg or {}))
        self._work_dir_info = WorkDir(work_dir)
        self._work_dir = self._work_dir_info.path
        self._randomness = dict(randomness or {})
        self._args = local
        self.setup_env(env_cfg or {})
        self._experiment_name = self._unique_experiment_name(experiment_name)
        self._log_dir = osp.join(self._work_dir_info.local, self.timestamp)
        self.load_from = load_from
        self._resume = resume
        self._has_loaded = False
        self.default_scope = DefaultScope.get_instance(self.experiment_name,
                                                       scope_name=default_scope)
        os.makedirs(self.log_dir, exist_ok=True)
        self.logger = self.build_logger(log_level=log_level)
        self.message_hub = self.build_message_hub()
        if openmmlab_packages(self.cfg, default_scope):
            prepare_openmmlab(self.cfg, default_scope)  # mmcv-lite: torch kernels as mmcv._ext
            share_runtime_info(self.message_hub)  # their code reads MMEngine's hub
        self.seed = set_random_seed(self._randomness.get('seed'),
                                    self._randomness.get('deterministic', False),
                                    self._randomness.get('diff_rank_seed', False))
        self._log_environment()
        self.dump_config()
        from mmlightning.lightning import MMDataModule
        from mmlightning.lightning.module import MMLightningModule

        if isinstance(model, Mapping) and data_preprocessor is not None:
            # a ConfigDict copy keeps its key path, so build errors name 'model'
            model = copy.deepcopy(model if isinstance(model, dict) else dict(model))
            model.setdefault('data_preprocessor', data_preprocessor)
        model = self.wrap_model(self.cfg.get('model_wrapper_cfg'), self.build_model(model))
        self.module = MMLightningModule(
            model, optim_wrapper=optim_wrapper, param_scheduler=param_scheduler,
            val_evaluator=val_evaluator, test_evaluator=test_evaluator, train_cfg=train_cfg,
            val_cfg=val_cfg, test_cfg=test_cfg, auto_scale_lr=auto_scale_lr)
        self._optim_wrapper = optim_wrapper
        self.datamodule = MMDataModule(
            train_dataloader=train_dataloader, val_dataloader=val_dataloader,
            test_dataloader=test_dataloader, seed=self.seed,
            diff_rank_seed=self._randomness.get('diff_rank_seed', False))
        self._trainer = None
        self._built_loops: dict[str, Any] = {}  # loops built outside a run (MMEngine's API)
        self._dispatcher: Any = None
        self.visualizer = self.build_visualizer(visualizer)
        self._add_config_to_visualizer()
        self.log_processor = self.build_log_processor(
            {} if log_processor is None else log_processor)
        self._hooks: list = []
        self.register_hooks(default_hooks, custom_hooks)

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

    def setup_env(self, env_cfg: Mapping[str, Any]) -> None:
        """MMEngine's ``setup_env``: the multiprocessing settings (``env_cfg.mp_cfg``), cuDNN
        benchmarking (``env_cfg.cudnn_benchmark``), joining the process group a launcher
        (``torchrun``, ``srun``) started, and the timestamp, rank 0's on every rank.

        Without a launcher's process group, Lightning starts the processes when the run
        begins (``trainer`` arguments); the group is then created there.
        """
        import torch

        from mmlightning.utils.dl_utils import set_multi_processing

        joined = join_launched_group(self._args.get('launcher') or 'none', env_cfg)
        set_multi_processing(**dict(env_cfg.get('mp_cfg') or {}), distributed=joined)
        if env_cfg.get('cudnn_benchmark'):
            torch.backends.cudnn.benchmark = True
        self.timestamp = shared_timestamp()

    def _log_environment(self) -> None:
        from mmlightning.utils.dl_utils import collect_env

        from .environment import environment_summary

        env = collect_env()
        environment = '\n'.join(f'    {key}: {value}' for key, value in env.items())
        self.logger.info('Environment:\n%s\n    seed: %s', environment, self.seed, extra=FILE_ONLY)
        self.logger.info('%s; seed %s%s', environment_summary(env), self.seed,
                         f' (environment details in {self.logger.log_file})'
                         if self.logger.log_file else '')

    def dump_config(self) -> None:
        """Write the config to the work dir (MMEngine's ``dump_config``; rank 0 only).

        The file is named after the config's file, else ``<timestamp>.py``; with a URL
        ``work_dir`` it goes to the local mirror, uploaded with the logs.
        """
        if not len(self.cfg) or not is_main_process():
            return
        name = osp.basename(self.cfg.filename) if self.cfg.filename else f'{self.timestamp}.py'
        if not name.endswith('.py'):
            name = osp.splitext(name)[0] + '.py'
        self.cfg.dump(osp.join(self._work_dir_info.local, name))

    def _add_config_to_visualizer(self) -> None:
        """The config in ``vis_data`` (an OpenMMLab package's visualizer gets it as an
        ``mmengine.Config``, the only class its backends accept)."""
        from mmlightning.config.mmengine_config import is_mmengine_object, to_mmengine_config

        if not len(self.cfg):
            return
        config = (to_mmengine_config(self.cfg) if is_mmengine_object(self.visualizer)
                  else self.cfg)
        try:
            self.visualizer.add_config(config)
        except ValueError as error:
            self.logger.warning('the config was not written to vis_data: %s', error)

    def build_trainer(self) -> Any:
        """The Lightning Trainer for this run (built once)."""
        if self._trainer is None:
            import lightning

            from mmlightning.lightning import HookDispatcher
            from mmlightning.lightning.trainer_args import trainer_kwargs

            cfg = dict(self._args)
            cfg['work_dir'] = self._work_dir_info.local
            for key in ('model_wrapper_cfg', 'find_unused_parameters'):  # MMEngine reads cfg
                if key in self.cfg:
                    cfg[key] = self.cfg[key]
            kwargs = trainer_kwargs(cfg)
            dispatcher = HookDispatcher(self._hooks, context=dict(
                work_dir=self._work_dir, log_dir=self.log_dir, timestamp=self.timestamp,
                experiment_name=self.experiment_name, cfg=self.cfg, seed=self.seed,
                deterministic=self._randomness.get('deterministic', False),
                diff_rank_seed=self._randomness.get('diff_rank_seed', False),
                launcher=self._args.get('launcher', 'none'), logger=self.logger,
                message_hub=self.message_hub, visualizer=self.visualizer,
                log_processor=self.log_processor, default_scope=self.default_scope.scope_name,
                _resume=bool(self._resume)))
            dispatcher.hooks = self._hooks  # shared: hooks registered later run too
            self._dispatcher = dispatcher
            kwargs['callbacks'] = [dispatcher, *list(kwargs.get('callbacks') or [])]
            if self._work_dir_info.remote:
                kwargs['callbacks'].append(LogUploader(self._work_dir_info, self.log_dir))
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
    def train_loop(self) -> Any:
        """MMEngine's train loop object (``train_cfg``), once training built it; else ``None``."""
        return self._loop('train')

    @property
    def val_loop(self) -> Any:
        """MMEngine's validation loop object (``val_cfg``), once a run built it; else ``None``."""
        return self._loop('val')

    @property
    def test_loop(self) -> Any:
        """MMEngine's test loop object (``test_cfg``), once a run built it; else ``None``."""
        return self._loop('test')

    def _loop_or_cfg(self, stage: str) -> Any:
        """MMEngine's ``_<stage>_loop``: the built loop (a run's, or one built on this runner),
        else its config (``<stage>_cfg``)."""
        if self.module.loops.get(stage) is not None or stage in self._built_loops:
            return self._loop(stage)
        return self._args.get(f'{stage}_cfg')

    def _set_loop_or_cfg(self, stage: str, value: Any) -> None:
        self._built_loops.pop(stage, None)
        if isinstance(value, Mapping) or value is None:
            self._args[f'{stage}_cfg'] = value
        else:
            self._built_loops[stage] = value

    _train_loop = property(lambda self: self._loop_or_cfg('train'),
                           lambda self, value: self._set_loop_or_cfg('train', value))
    _val_loop = property(lambda self: self._loop_or_cfg('val'),
                         lambda self, value: self._set_loop_or_cfg('val', value))
    _test_loop = property(lambda self: self._loop_or_cfg('test'),
                          lambda self, value: self._set_loop_or_cfg('test', value))

    @property
    def val_interval(self) -> int:
        """``train_loop.val_interval``."""
        return self.train_loop.val_interval

    @property
    def val_begin(self) -> int:
        """``train_loop.val_begin``."""
        return self.train_loop.val_begin

    def build_train_loop(self, loop: Any) -> Any:
        """MMEngine's ``build_train_loop``: the loop of ``train_cfg`` on this runner."""
        return build_loop('train', loop, self, self._args.get('train_dataloader'))

    def build_val_loop(self, loop: Any) -> Any:
        """MMEngine's ``build_val_loop``: the loop of ``val_cfg`` with the val evaluator."""
        return build_loop('val', loop, self, self._args.get('val_dataloader'),
                          self._args.get('val_evaluator'))

    def build_test_loop(self, loop: Any) -> Any:
        """MMEngine's ``build_test_loop``: the loop of ``test_cfg`` with the test evaluator."""
        return build_loop('test', loop, self, self._args.get('test_dataloader'),
                          self._args.get('test_evaluator'))

    def _loop(self, stage: str) -> Any:
        """The run's loop object (counters up to date); before a run, built on first use
        from the config on this runner, as MMEngine's properties do (``None`` without one)."""
        if self.module.loops.get(stage) is not None:
            return getattr(self.module.get_runner_view(), f'{stage}_loop')
        if stage not in self._built_loops:
            cfg = self._args.get(f'{stage}_cfg')
            if cfg is None:
                return None
            self._built_loops[stage] = getattr(self, f'build_{stage}_loop')(cfg)
        return self._built_loops[stage]

    # -------------------------------------------------------------- runs
    def train(self) -> nn.Module:
        """Train (MMEngine's ``Runner.train``) and return the model.

        Raises:
            RuntimeError: If the runner has no ``train_dataloader``/``train_cfg``/``optim_wrapper``.
        """
        self._check_stage('train', ('train_dataloader', 'train_cfg', 'optim_wrapper'))
        self._check_model_steps()
        self._init_model_weights()
        if not self._resume:
            self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.fit(self.module, datamodule=self.datamodule,
                             ckpt_path=self._resume_path())
        return self.model

    def val(self) -> dict[str, Any]:
        """Validate once and return the metrics.

        Raises:
            RuntimeError: If the runner has no ``val_dataloader``/``val_cfg``/``val_evaluator``.
        """
        self._check_stage('val', ('val_dataloader', 'val_cfg', 'val_evaluator'))
        self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.validate(self.module, datamodule=self.datamodule, verbose=False)
        return dict(self.module.last_val_metrics)

    def test(self) -> dict[str, Any]:
        """Test once and return the metrics.

        Raises:
            RuntimeError: If the runner has no ``test_dataloader``/``test_cfg``/``test_evaluator``.
        """
        self._check_stage('test', ('test_dataloader', 'test_cfg', 'test_evaluator'))
        self._load_for_evaluation()
        with self._uploading_logs():
            self.trainer.test(self.module, datamodule=self.datamodule, verbose=False)
        return dict(self.module.last_test_metrics)

    def _check_model_steps(self) -> None:
        """MMEngine's checks before training: ``train_step``, and ``val_step`` to validate."""
        name = type(self.model).__name__
        if not hasattr(self.model, 'train_step'):
            raise RunnerModelError(f'If you want to train your model, please make sure your model '
                                   f'has implemented `train_step` ({name} has not; subclass '
                                   'mmlightning.model.BaseModel)')
        if self._args.get('val_dataloader') is not None and not hasattr(self.model, 'val_step'):
            raise RunnerModelError(f'If you want to validate your model, please make sure your '
                                   f'model has implemented `val_step` ({name} has not; or drop '
                                   'val_dataloader/val_cfg/val_evaluator)')

    def _check_stage(self, stage: str, names: tuple[str, str, str]) -> None:
        if self._args.get(names[0]) is None:
            raise RuntimeError(f'`self._{stage}_loop` should not be None when calling {stage} '
                               f'method. Please provide `{names[0]}`, `{names[1]}` and '
                               f'`{names[2]}` arguments when initializing runner.')

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

        if not self._resume:
            return None
        if isinstance(self._resume, str):
            return lightning_resume_path(self._resume, self)
        marker = fileio.join_path(self._work_dir, 'last_checkpoint')
        if fileio.isfile(marker):
            return lightning_resume_path(fileio.get_text(marker).strip() or None, self)
        logger.warning('resume=True but %s has no last_checkpoint: training from scratch',
                       self._work_dir)
        return None

    def __repr__(self) -> str:
        return f'Runner(experiment={self.experiment_name!r}, work_dir={self._work_dir!r})'


