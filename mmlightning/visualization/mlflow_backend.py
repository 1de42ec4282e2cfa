"""``MLflowVisBackend``: scalars, images, the config and artifacts to an MLflow run."""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import (
    BaseVisBackend,
    artifact_files,
    check_scalar_dict,
    config_to_dict,
    config_to_text,
    config_work_dir,
    force_init_env,
    is_rank_zero,
    scalar_value,
)
from .utils import import_optional

if TYPE_CHECKING:
    from lightning.pytorch.loggers import MLFlowLogger


def flatten_dict(value: Mapping, parent_key: str = '', sep: str = '.') -> dict:
    """Flatten nested mappings (and lists holding dicts) into ``a.b.0.c`` keys for MLflow params."""
    items: dict = {}
    for key, item in value.items():
        new_key = f'{parent_key}{sep}{key}' if parent_key else str(key)
        if isinstance(item, Mapping):
            items.update(flatten_dict(item, new_key, sep))
        elif isinstance(item, list) and any(isinstance(x, Mapping) for x in item):
            for i, x in enumerate(item):
                items.update(flatten_dict(x, f'{new_key}{sep}{i}', sep) if isinstance(x, Mapping)
                             else {f'{new_key}{sep}{i}': x})
        else:
            items[new_key] = item
    return items


@VISBACKENDS.register_module()
class MLflowVisBackend(BaseVisBackend):
    """Log scalars, images and the config to an MLflow run (needs ``pip install mlflow``).

    On first use the tracking URI is set (``file://<save_dir>`` unless
    ``tracking_uri`` is given), the experiment ``exp_name`` is created if needed and a
    run is started (named ``run_name``, with ``tags`` and ``params``). :meth:`close`
    uploads the files of the config's ``work_dir`` ending with ``artifact_suffix`` and
    ends the run. :attr:`lightning_logger` is a Lightning ``MLFlowLogger`` on the same
    run, so that the ``Trainer`` logs there too.

    Args:
        save_dir: The directory of the local tracking store.
        exp_name: The experiment name. Defaults to 'Default'.
        run_name: The run name. Defaults to None.
        tags: Tags of the run. Defaults to None.
        params: Params logged when the run starts. Defaults to None.
        tracking_uri: The tracking server URI. Defaults to None (the local store).
        artifact_suffix: Suffixes of the artifacts uploaded by :meth:`close`.
        tracked_config_keys: Top-level config keys logged as params by
            :meth:`add_config`; None logs the whole config.
        artifact_location: Where the experiment stores its artifacts (server default
            when None).
    """

    def __init__(self, save_dir: str, exp_name: str | None = None, run_name: str | None = None,
                 tags: dict | None = None, params: dict | None = None,
                 tracking_uri: str | None = None,
                 artifact_suffix: Sequence[str] | str = ('.json', '.log', '.py', 'yaml'),
                 tracked_config_keys: Sequence[str] | None = None,
                 artifact_location: str | None = None) -> None:
        super().__init__(save_dir)
        self._exp_name = exp_name
        self._run_name = run_name
        self._tags = tags
        self._params = params
        self._tracking_uri = tracking_uri
        self._artifact_suffix = artifact_suffix
        self._tracked_config_keys = tracked_config_keys
        self._artifact_location = artifact_location
        self._logger: MLFlowLogger | None = None
        self.cfg: Any = None

    def _init_env(self) -> None:
        mlflow = import_optional('mlflow', 'mlflow', 'MLflowVisBackend')
        os.makedirs(self._save_dir, exist_ok=True)
        self._mlflow = mlflow
        if self._tracking_uri is None:
            self._tracking_uri = f'file://{osp.abspath(self._save_dir)}'
        mlflow.set_tracking_uri(self._tracking_uri)
        self._exp_name = self._exp_name or 'Default'
        if mlflow.get_experiment_by_name(self._exp_name) is None:
            mlflow.create_experiment(self._exp_name, artifact_location=self._artifact_location)
        mlflow.set_experiment(self._exp_name)
        if mlflow.active_run() is None:
            mlflow.start_run(run_name=self._run_name)
        elif self._run_name is not None:
            mlflow.set_tag('mlflow.runName', self._run_name)
        if self._tags is not None:
            mlflow.set_tags(self._tags)
        if self._params is not None:
            mlflow.log_params(self._params)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``mlflow`` module (its active run is this backend's run)."""
        return self._mlflow

    @property
    def lightning_logger(self) -> MLFlowLogger:
        """A Lightning ``MLFlowLogger`` writing to this backend's run (started on rank 0 only;
        on other ranks the logger's experiment is Lightning's dummy)."""
        if self._logger is None:
            from lightning.pytorch.loggers import MLFlowLogger

            if not is_rank_zero():
                self._logger = MLFlowLogger(experiment_name=self._exp_name or 'Default',
                                            tracking_uri=self._tracking_uri,
                                            save_dir=self._save_dir)
                return self._logger
            run = self.experiment.active_run()
            self._logger = MLFlowLogger(experiment_name=self._exp_name,
                                        tracking_uri=self._tracking_uri, run_id=run.info.run_id)
        return self._logger

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Log the config (or its ``tracked_config_keys``) as flat params and as ``config.py``.

        Raises:
            KeyError: If a tracked key is not in the config.
        """
        self.cfg = config
        cfg_dict = config_to_dict(config)
        if self._tracked_config_keys is not None:
            missing = [key for key in self._tracked_config_keys if key not in cfg_dict]
            if missing:
                raise KeyError(f'tracked_config_keys {missing} are not in the config (its keys: '
                               f'{sorted(cfg_dict)})')
            cfg_dict = {key: cfg_dict[key] for key in self._tracked_config_keys}
        self._mlflow.log_params(flatten_dict(cfg_dict))
        self._mlflow.log_text(config_to_text(config), 'config.py')

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Log an RGB image as the artifact ``name`` (``step`` is unused, as in MMEngine)."""
        self._mlflow.log_image(image, name)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Log one metric at ``step``."""
        self._mlflow.log_metric(name, scalar_value(value), step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Log several metrics at ``step`` (``file_path`` is unused).

        Raises:
            TypeError: If ``scalar_dict`` is not a dict.
            VisualizerArgumentError: If it has a ``step`` key (pass ``step=`` instead).
        """
        check_scalar_dict(scalar_dict)
        self._mlflow.log_metrics({k: scalar_value(v) for k, v in scalar_dict.items()}, step)

    def close(self) -> None:
        """Upload the artifacts of the added config's ``work_dir`` (if any); end the run."""
        if not self._env_initialized:
            return
        work_dir = config_work_dir(self.cfg)
        if work_dir is not None:
            for file_path, dir_path in artifact_files(work_dir, self._artifact_suffix, True):
                self._mlflow.log_artifact(file_path, dir_path)
        self._mlflow.end_run()
