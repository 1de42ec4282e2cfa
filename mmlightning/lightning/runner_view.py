"""``RunnerView``: what MMEngine hooks read from ``runner``, answered from the Lightning run.

Hooks see MMEngine's counters: ``iter`` counts finished training batches and
``epoch`` finished training epochs, so during the validation that follows an
epoch, ``epoch`` already counts it (MMEngine increments before validating).
Attributes the view does not support raise an ``AttributeError`` saying so.

It is also the ``runner`` of MMEngine's loop objects (``runner.train_loop``,
``val_loop``, ``test_loop``; see :mod:`~mmlightning.lightning.loop_objects`):
they call ``runner.call_hook``, ``runner.model.val_step``,
``runner.build_dataloader`` and read the counters from here.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mmlightning import fileio
from mmlightning.dist import get_dist_info

from .module import CHECKPOINT_KEY

if TYPE_CHECKING:
    from lightning.pytorch import Trainer

    from .module import MMLightningModule

#: Attributes a Runner (or whoever builds the view) may supply.
CONTEXT_ATTRIBUTES = ('work_dir', 'log_dir', 'timestamp', 'experiment_name', 'cfg', 'logger',
                      'message_hub', 'visualizer', 'seed', 'deterministic', 'launcher',
                      'default_scope', 'log_processor')


class TrainLoopView:
    """``runner.train_loop``: counters, the dataloader and ``stop_training``."""

    def __init__(self, view: RunnerView) -> None:
        self._view = view

    @property
    def dataloader(self) -> Any:
        """The training dataloader."""
        return self._view.train_dataloader

    @property
    def stop_training(self) -> bool:
        """Setting it to True stops training after the current iteration."""
        return bool(self._view.trainer.should_stop)

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self._view.trainer.should_stop = bool(value)

    @property
    def epoch(self) -> int:
        return self._view.epoch

    @property
    def iter(self) -> int:
        return self._view.iter

    @property
    def max_epochs(self) -> int | None:
        return self._view.max_epochs

    @property
    def max_iters(self) -> int | None:
        return self._view.max_iters


class EvalLoopView:
    """``runner.val_loop`` / ``runner.test_loop``: the dataloader and the evaluator."""

    def __init__(self, dataloader: Any, evaluator: Any) -> None:
        self.dataloader = dataloader
        self.evaluator = evaluator


class DistInfoMixin:
    """MMEngine's ``rank``, ``world_size`` and ``distributed``, read from the process group."""

    @property
    def rank(self) -> int:
        """This process's rank (0 before Lightning started the processes)."""
        return get_dist_info()[0]

    @property
    def world_size(self) -> int:
        """The number of processes (1 before Lightning started them)."""
        return get_dist_info()[1]

    @property
    def distributed(self) -> bool:
        """Whether this process is one of several."""
        return self.world_size > 1


class RunnerView(DistInfoMixin):
    """The ``runner`` argument of hooks and loops under Lightning.

    Args:
        trainer: The Lightning Trainer.
        module: The :class:`MMLightningModule` being run.
        context: Values only a Runner knows (``work_dir``, ``cfg``,
            ``message_hub``, ...; see :data:`CONTEXT_ATTRIBUTES`).
        call_hook: Calls a hook point on every hook (``HookDispatcher.call``);
            without it ``call_hook`` calls nothing.
        hooks: The hooks, in priority order.
    """

    def __init__(self, trainer: Trainer, module: MMLightningModule,
                 context: Mapping[str, Any] | None = None,
                 call_hook: Callable[..., None] | None = None,
                 hooks: Sequence[Any] = ()) -> None:
        self.trainer = trainer
        self.pl_module = module
        self._context = dict(context or {})
        self._call_hook = call_hook
        self._hooks = list(hooks)
        self.epoch_finished = False
        self.iter_offset = 0
        self._train_loop_view = TrainLoopView(self)

    @property
    def _train_loop(self) -> Any:
        """The train loop while fitting, else ``None`` (a standalone ``val()``/``test()``)."""
        stage = getattr(getattr(self.trainer, 'state', None), 'fn', None)
        return self.train_loop if stage == 'fit' else None

    # ------------------------------------------------------------ hooks
    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        """Call ``fn_name`` on every hook that has it, in priority order (MMEngine's)."""
        if self._call_hook is not None:
            self._call_hook(fn_name, **kwargs)

    @property
    def hooks(self) -> list[Any]:
        """The hooks, in priority order."""
        return list(self._hooks)

    # ------------------------------------------------------------ loops
    @property
    def train_loop(self) -> Any:
        """MMEngine's train loop object, its counters brought up to date; before it is built
        (or without a ``train_cfg``), a view with the same counters and ``stop_training``."""
        loop = self._loop_object('train')
        if loop is None:
            return self._train_loop_view
        self.flush_train_loop()
        spec = self.pl_module.train_loop
        progress = self.epoch if spec.by_epoch else self.iter
        loop._epoch, loop._iter = self.epoch, self.iter
        if progress > 0:  # MMEngine decides the interval after each epoch (or iteration)
            loop.val_interval = spec.interval_at(progress + 1)
        loop.stop_training = bool(self.trainer.should_stop)
        return loop

    def flush_train_loop(self) -> None:
        """Stop training if a hook set ``runner.train_loop.stop_training``."""
        loop = self._loop_object('train')
        if loop is not None and loop.stop_training:
            self.trainer.should_stop = True

    def _loop_object(self, stage: str) -> Any:
        loops = getattr(self.pl_module, 'loops', None)
        return loops.get(stage) if loops is not None else None

    def _eval_loop(self, stage: str) -> Any:
        """The ``stage`` loop object on the Trainer's dataloader (built on first use), or a
        view of the dataloader and the evaluator while there is none."""
        dataloader = self.val_dataloader if stage == 'val' else self.test_dataloader
        evaluator = self.val_evaluator if stage == 'val' else self.test_evaluator
        loops = getattr(self.pl_module, 'loops', None)
        loop = loops.evaluation(stage, self, dataloader, evaluator) if loops is not None \
            else None
        return loop if loop is not None else EvalLoopView(dataloader, evaluator)

    # ----------------------------------------------------- builders
    @staticmethod
    def build_dataloader(dataloader: Any, seed: int | None = None,
                         diff_rank_seed: bool = False) -> Any:
        """MMEngine's ``Runner.build_dataloader`` (a dataloader passes through)."""
        from mmlightning.dataset import build_dataloader

        return build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    @staticmethod
    def build_evaluator(evaluator: Any) -> Any:
        """MMEngine's ``Runner.build_evaluator``."""
        from .evaluation import build_evaluator

        return build_evaluator(evaluator)

    @property
    def _randomness_cfg(self) -> dict[str, Any]:
        """The ``randomness`` settings the Runner passed (``seed``, ``diff_rank_seed``, ...)."""
        keys = ('seed', 'deterministic', 'diff_rank_seed')
        return {key: self._context[key] for key in keys if key in self._context}

    # -------------------------------------------------------- counters
    @property
    def epoch(self) -> int:
        """Training epochs finished, MMEngine's way (0 for iteration-based training)."""
        loop = self.pl_module.train_loop
        if loop is not None and not loop.by_epoch:
            return 0
        return self.trainer.current_epoch + int(self.epoch_finished)

    @property
    def iter(self) -> int:
        """Training iterations (batches) finished."""
        return self.pl_module.iter + self.iter_offset

    @property
    def max_epochs(self) -> int | None:
        return self.pl_module.max_epochs

    @property
    def max_iters(self) -> int | None:
        return self.pl_module.max_iters

    # ------------------------------------------------------- components
    @property
    def model(self) -> Any:
        """The model (the ``BaseModel``, not the LightningModule)."""
        return self.pl_module.model

    @model.setter
    def model(self, model: Any) -> None:
        # PrepareTTAHook wraps the model before testing, MMEngine's way
        self.pl_module.model = model

    @property
    def data_preprocessor(self) -> Any:
        """The model's data preprocessor."""
        return self.pl_module.model.data_preprocessor

    @property
    def optim_wrapper(self) -> Any:
        return self.pl_module.optim_wrapper

    @property
    def param_schedulers(self) -> Any:
        return self.pl_module.param_schedulers.schedulers

    @property
    def train_dataloader(self) -> Any:
        return self.trainer.train_dataloader

    @property
    def val_dataloader(self) -> Any:
        return _first(self.trainer.val_dataloaders)

    @property
    def test_dataloader(self) -> Any:
        return _first(self.trainer.test_dataloaders)

    @property
    def val_evaluator(self) -> Any:
        return self.pl_module.val_evaluator

    @property
    def test_evaluator(self) -> Any:
        return self.pl_module.test_evaluator

    @property
    def val_loop(self) -> Any:
        """MMEngine's validation loop object (``val_cfg``)."""
        return self._eval_loop('val')

    @property
    def test_loop(self) -> Any:
        """MMEngine's test loop object (``test_cfg``)."""
        return self._eval_loop('test')

    # ------------------------------------------------------ checkpoints
    def save_checkpoint(self, out_dir: str, filename: str, file_client_args: dict | None = None,
                        save_optimizer: bool = True, save_param_scheduler: bool = True,
                        meta: dict | None = None, by_epoch: bool = True,
                        backend_args: dict | None = None) -> str:
        """Write a Lightning checkpoint (``trainer.fit(ckpt_path=...)`` resumes from it).

        MMEngine's ``Runner.save_checkpoint``; call it on every rank. ``out_dir`` is a
        local folder or any fsspec URL. The file is written next to its destination and
        moved there, so ``out_dir/filename`` is never a partial file. ``meta`` (with
        MMEngine's ``epoch``/``iter`` defaults, and the run's config text, seed, name,
        time, version and dataset ``metainfo`` as MMEngine adds them) is stored under
        ``'meta'``.

        Returns:
            The checkpoint's path.

        Raises:
            ValueError: If ``file_client_args`` or ``backend_args`` is given.
        """
        if file_client_args is not None or backend_args is not None:
            raise ValueError('save_checkpoint writes through Lightning\'s CheckpointIO, which '
                             'takes no file_client_args/backend_args; leave them None (out_dir '
                             'may be any fsspec URL, its credentials set through fsspec\'s '
                             'configuration or the environment)')
        meta = dict(meta or {})
        meta.setdefault('epoch', self.epoch + 1 if by_epoch else self.epoch)
        meta.setdefault('iter', self.iter if by_epoch else self.iter + 1)
        meta.update(self._run_meta())
        # trainer.save_checkpoint's own steps, with 'meta' added to what it writes. A full
        # dump even without the optimizer: Lightning's weights-only dump skips the callbacks'
        # on_save_checkpoint, where MMEngine calls before_save_checkpoint for every file
        # (EMAHook puts the averaged weights in a best checkpoint there).
        checkpoint = self.trainer._checkpoint_connector.dump_checkpoint(weights_only=False)
        if not save_optimizer:
            for key in ('optimizer_states', 'lr_schedulers'):
                checkpoint.pop(key, None)
        checkpoint['meta'] = meta
        if not save_param_scheduler:
            checkpoint.get(CHECKPOINT_KEY, {}).pop('param_schedulers', None)
        path = fileio.join_path(out_dir, filename)
        try:
            self.trainer.strategy.save_checkpoint(checkpoint, path + '.tmp')
            self.trainer.strategy.barrier('RunnerView.save_checkpoint')
            if self.trainer.is_global_zero:
                fileio.replace(path + '.tmp', path)
        finally:
            if self.trainer.is_global_zero and fileio.exists(path + '.tmp'):
                fileio.remove(path + '.tmp')
        return path

    def _run_meta(self) -> dict[str, Any]:
        """What MMEngine's ``save_checkpoint`` adds to ``meta``: the config's text, the seed,
        the experiment name, the time, the version (``mmlightning_version``) and the
        training dataset's ``metainfo``; the first three when the Runner supplied them."""
        from mmlightning import __version__

        context = self._context
        meta: dict[str, Any] = {}
        if context.get('cfg') is not None:
            meta['cfg'] = context['cfg'].pretty_text
        meta.update({key: context[key] for key in ('seed', 'experiment_name') if key in context})
        meta.update(time=time.strftime('%Y%m%d_%H%M%S', time.localtime()),
                    mmlightning_version=__version__)
        dataset = getattr(self.pl_module.trainer.datamodule, 'train_dataset', None) \
            if self.pl_module.trainer.datamodule is not None else None
        if hasattr(dataset, 'metainfo'):
            meta['dataset_meta'] = dataset.metainfo
        return meta

    def __getattr__(self, name: str) -> Any:
        context = self.__dict__.get('_context', {})
        if name in context:
            return context[name]
        supported = sorted({*CONTEXT_ATTRIBUTES, *(n for n in dir(type(self))
                                                   if not n.startswith('_'))})
        where = ('the Runner did not provide it' if name in CONTEXT_ATTRIBUTES
                 else 'mmlightning does not support it')
        raise AttributeError(f'runner.{name} is not available to hooks: {where}. Supported: '
                             f'{", ".join(supported)}')


def _first(loaders: Any) -> Any:
    return loaders[0] if isinstance(loaders, (list, tuple)) and loaders else loaders
