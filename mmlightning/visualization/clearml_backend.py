"""``ClearMLVisBackend``: scalars, images, the config and artifacts to a ClearML task."""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import (
    BaseVisBackend,
    artifact_files,
    check_scalar_dict,
    config_to_dict,
    config_work_dir,
    force_init_env,
    scalar_value,
)
from .utils import import_optional


@VISBACKENDS.register_module()
class ClearMLVisBackend(BaseVisBackend):
    """Report scalars, images and the config to a ClearML task (needs ``pip install clearml``).

    The task is made by ``clearml.Task.init(**init_kwargs)`` on first use; scalars and
    images go to its logger with the name as title and series. :meth:`close` uploads
    the files of the config's ``work_dir`` (not its sub-folders) ending with
    ``artifact_suffix`` and closes the task.

    Args:
        save_dir: Unused (ClearML stores on its server); kept for a uniform interface.
        init_kwargs: ``clearml.Task.init`` arguments. Defaults to None.
        artifact_suffix: Suffixes of the artifacts uploaded by :meth:`close`.
    """

    def __init__(self, save_dir: str | None = None, init_kwargs: dict | None = None,
                 artifact_suffix: Sequence[str] | str = ('.py', '.pth')) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs
        self._artifact_suffix = artifact_suffix
        self.cfg: Any = None

    def _init_env(self) -> None:
        self._clearml = import_optional('clearml', 'clearml', 'ClearMLVisBackend')
        self._task = self._clearml.Task.init(**(self._init_kwargs or {}))
        self._logger = self._task.get_logger()

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``clearml`` module (the task is ``backend._task``)."""
        return self._clearml

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Connect the config (as a dict) to the task."""
        self.cfg = config
        self._task.connect_configuration(config_to_dict(config))

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Report an RGB image at iteration ``step``."""
        self._logger.report_image(title=name, series=name, iteration=step, image=image)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Report one scalar at iteration ``step``."""
        self._logger.report_scalar(title=name, series=name, value=scalar_value(value),
                                   iteration=step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Report each scalar of ``scalar_dict`` at iteration ``step`` (``file_path`` is unused).

        Raises:
            VisualizerArgumentError: If it has a ``step`` key (pass ``step=`` instead).
        """
        check_scalar_dict(scalar_dict)
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step)

    def close(self) -> None:
        """Upload the artifacts of the config's ``work_dir`` (if a config was added); close."""
        if not self._env_initialized:
            return
        work_dir = config_work_dir(self.cfg)
        if work_dir is not None:
            for file_path, _ in artifact_files(work_dir, self._artifact_suffix, False):
                self._task.upload_artifact(osp.basename(file_path), file_path)
        self._task.close()
