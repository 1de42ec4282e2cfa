"""``WandbVisBackend`` on Lightning's ``WandbLogger``."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import BaseVisBackend, config_to_dict, force_init_env, is_rank_zero
from .utils import import_optional

if TYPE_CHECKING:
    from lightning.pytorch.loggers import WandbLogger


@VISBACKENDS.register_module()
class WandbVisBackend(BaseVisBackend):
    """Log scalars, images and the config to Weights & Biases.

    The run is ``wandb.init(**init_kwargs)`` (with ``dir=save_dir`` unless given), made
    on first use; :attr:`lightning_logger` is a ``lightning.pytorch.loggers.WandbLogger``
    on that run: pass it to the ``Trainer`` so that Lightning logs to the same run.
    Without an account, run offline: ``init_kwargs=dict(mode='offline')`` or the
    environment variable ``WANDB_MODE=offline``; the run is then written to
    ``<dir>/wandb/offline-run-*`` for a later ``wandb sync``.

    Args:
        save_dir: The directory of the W&B files.
        init_kwargs: ``wandb.init`` arguments. Defaults to None.
        define_metric_cfg: ``{metric: summary}`` or a list of ``define_metric`` kwargs.
        commit: ``commit`` argument of ``wandb.log``. Defaults to True.
        log_code_name: Name of the code artifact logged by :meth:`add_config`.
        watch_kwargs: ``wandb.watch`` arguments used by :meth:`add_graph`.

    Raises:
        TypeError: If ``define_metric_cfg`` is neither a dict nor a list.
    """

    def __init__(self, save_dir: str, init_kwargs: dict | None = None,
                 define_metric_cfg: dict | list | None = None, commit: bool | None = True,
                 log_code_name: str | None = None, watch_kwargs: dict | None = None) -> None:
        if define_metric_cfg is not None and not isinstance(define_metric_cfg, (dict, list)):
            raise TypeError('define_metric_cfg should be a dict {metric: summary} or a list of '
                            f'define_metric kwargs, got {type(define_metric_cfg).__name__}')
        super().__init__(save_dir)
        self._init_kwargs = dict(init_kwargs or {})
        self._init_kwargs.setdefault('dir', save_dir)
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = watch_kwargs or {}
        self._logger: WandbLogger | None = None

    @property
    def lightning_logger(self) -> WandbLogger:
        """A Lightning ``WandbLogger`` on this backend's run (starts the run on rank 0 only)."""
        if self._logger is None:
            from lightning.pytorch.loggers import WandbLogger

            run = self._started_run() if is_rank_zero() else None
            self._logger = WandbLogger(save_dir=self._init_kwargs['dir'], experiment=run)
        return self._logger

    @force_init_env
    def _started_run(self) -> Any:
        return self._run

    def _init_env(self) -> None:
        wandb = import_optional('wandb', 'wandb', 'WandbVisBackend')
        os.makedirs(self._init_kwargs['dir'], exist_ok=True)
        self._run = wandb.init(**self._init_kwargs)
        self._wandb = wandb
        # wandb.define_metric acts on wandb.run, the run just made (as MMEngine calls it)
        if isinstance(self._define_metric_cfg, dict):
            for metric, summary in self._define_metric_cfg.items():
                wandb.define_metric(metric, summary=summary)
        elif isinstance(self._define_metric_cfg, list):
            for metric_cfg in self._define_metric_cfg:
                wandb.define_metric(**metric_cfg)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``wandb`` module, as in MMEngine (its ``wandb.run`` is this backend's run)."""
        return self._wandb

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Update the run config with the config and log the ``.py`` files of the cwd as code."""
        allow_val_change = self._init_kwargs.get('allow_val_change', False)
        self._run.config.update(config_to_dict(config), allow_val_change=allow_val_change)
        self._run.log_code(name=self._log_code_name)

    @force_init_env
    def add_graph(self, model: torch.nn.Module, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Watch ``model`` with ``watch_kwargs``."""
        self._run.watch(model, **self._watch_kwargs)

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Log an RGB image (``step`` is unused: W&B counts its own steps)."""
        self._run.log({name: self._wandb.Image(image)}, commit=self._commit)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Log one scalar (``step`` is unused)."""
        self._run.log({name: value}, commit=self._commit)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Log several scalars in one W&B step (``step`` and ``file_path`` are unused)."""
        self._run.log(scalar_dict, commit=self._commit)

    def close(self) -> None:
        """Finish the run."""
        if self._env_initialized:
            self._run.finish()
