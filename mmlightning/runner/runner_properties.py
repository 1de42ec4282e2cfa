"""The attributes MMEngine's ``Runner`` exposes, answered from the Lightning run.

Before a run, ``optim_wrapper``, ``param_schedulers`` and the private
``_train_dataloader``/``_val_dataloader``/``_test_dataloader`` are the configs
the runner was given (MMEngine builds them lazily too); once training has built
them, ``optim_wrapper`` and ``param_schedulers`` are the built objects. The
public ``train_dataloader``/``val_dataloader``/``test_dataloader`` are the
built loaders (built on first access).
"""
from __future__ import annotations

from typing import Any

from torch import nn

from mmlightning.lightning.runner_view import DistInfoMixin
from mmlightning.model.wrappers.utils import is_model_wrapper


class RunnerPropertiesMixin(DistInfoMixin):
    """``experiment_name``, ``log_dir``, ``rank``, ``world_size``, ``distributed``,
    ``launcher``, ``deterministic``, ``model_name``, the counters and the components."""

    _experiment_name: str
    _log_dir: str
    _work_dir: str
    _args: dict[str, Any]
    _randomness: dict[str, Any]
    _optim_wrapper: Any
    _trainer: Any
    _built_loops: dict[str, Any]
    module: Any
    datamodule: Any

    # -------------------------------------------------------------- run
    @property
    def experiment_name(self) -> str:
        """The experiment's name (that of the global logger, message hub and visualizer)."""
        return self._experiment_name

    @property
    def log_dir(self) -> str:
        """This run's log folder, ``<work_dir>/<timestamp>`` (a local one for a URL work_dir)."""
        return self._log_dir

    @property
    def work_dir(self) -> str:
        """Where checkpoints, logs and the dumped config go (a local path or a URL)."""
        return self._work_dir

    @property
    def launcher(self) -> str:
        """The config's ``launcher`` (``'none'``, ``'pytorch'``, ``'slurm'``, ``'mpi'``)."""
        return self._args.get('launcher') or 'none'

    @property
    def deterministic(self) -> bool:
        """``randomness.deterministic``."""
        return bool(self._randomness.get('deterministic', False))

    # ------------------------------------------------------------ model
    @property
    def model(self) -> nn.Module:
        """The model being trained (the ``BaseModel``)."""
        return self.module.model

    @model.setter
    def model(self, model: nn.Module) -> None:
        self.module.model = model

    @property
    def model_name(self) -> str:
        """The model's class name (of the wrapped module for a model wrapper)."""
        model = self.model
        return type(model.module if is_model_wrapper(model) else model).__name__

    # -------------------------------------------------------- components
    @property
    def optim_wrapper(self) -> Any:
        """The built ``OptimWrapper`` once training built it, else its config (or the value
        set)."""
        built = self.module.optim_wrapper
        return built if built is not None else self._optim_wrapper

    @optim_wrapper.setter
    def optim_wrapper(self, value: Any) -> None:
        from mmlightning.lightning.module import lightning_optim_cfg

        self._optim_wrapper = value
        self.module.optim_wrapper = None
        self.module.optim_wrapper_cfg = lightning_optim_cfg(value)

    @property
    def param_schedulers(self) -> Any:
        """The built schedulers once training built them, else the ``param_scheduler``
        config (``None`` when there is none)."""
        schedulers = self.module.param_schedulers
        return schedulers.schedulers if schedulers.schedulers is not None else schedulers.cfg

    @param_schedulers.setter
    def param_schedulers(self, value: Any) -> None:
        from mmlightning.lightning.param_schedulers import ParamSchedulers

        self.module.param_schedulers = ParamSchedulers(value)

    @property
    def _train_dataloader(self) -> Any:
        return self.datamodule._cfgs['train']

    @property
    def _val_dataloader(self) -> Any:
        return self.datamodule._cfgs['val']

    @property
    def _test_dataloader(self) -> Any:
        return self.datamodule._cfgs['test']

    @property
    def train_dataloader(self) -> Any:
        """The built training dataloader (``None`` without ``train_dataloader``)."""
        return self._built_loader('train')

    @property
    def val_dataloader(self) -> Any:
        """The built validation dataloader (``None`` without ``val_dataloader``)."""
        return self._built_loader('val')

    @property
    def test_dataloader(self) -> Any:
        """The built test dataloader (``None`` without ``test_dataloader``)."""
        return self._built_loader('test')

    def _built_loader(self, stage: str) -> Any:
        datamodule = self.datamodule
        return None if datamodule._cfgs[stage] is None else datamodule._dataloader(stage)

    @property
    def val_evaluator(self) -> Any:
        """The validation ``Evaluator`` (``None`` without ``val_evaluator``)."""
        return self.module.val_evaluator

    @property
    def test_evaluator(self) -> Any:
        """The test ``Evaluator`` (``None`` without ``test_evaluator``)."""
        return self.module.test_evaluator

    # --------------------------------------------------------- counters
    @property
    def epoch(self) -> int:
        """Epochs completed (0 for iteration-based training, as in MMEngine); before a run,
        the ``train_loop`` built on this runner counts."""
        if self._trainer is None and 'train' in self._built_loops:
            return self._built_loops['train'].epoch
        loop = self.module.train_loop
        if self._trainer is None or (loop is not None and not loop.by_epoch):
            return 0
        return self._trainer.current_epoch

    @property
    def iter(self) -> int:
        """Training iterations (batches) completed (before a run, the built ``train_loop``'s)."""
        if self._trainer is None and 'train' in self._built_loops:
            return self._built_loops['train'].iter
        return self.module.iter

    @property
    def max_epochs(self) -> int | None:
        """``train_cfg.max_epochs`` (epoch-based training)."""
        return self.module.max_epochs

    @property
    def max_iters(self) -> int | None:
        """Iterations the whole training takes (epoch-based before a run: ``max_epochs``
        times the length of the train dataloader, built for it, as MMEngine's loop does)."""
        max_iters = self.module.max_iters
        loop = self.module.train_loop
        if max_iters is None and loop is not None and loop.by_epoch:
            return loop.max_epochs * len(self.train_dataloader)
        return max_iters
