"""``AimVisBackend``: scalars, images and the config to an Aim run."""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import BaseVisBackend, config_to_dict, force_init_env, scalar_value
from .utils import import_optional


@VISBACKENDS.register_module()
class AimVisBackend(BaseVisBackend):
    """Track scalars, images and the config in an Aim run (needs ``pip install aim``).

    ``aim.Run(**init_kwargs)`` is made on first use; its ``experiment`` defaults to the
    last two folders of ``save_dir`` (``<work_dir-name>_vis_data`` style) or, without
    ``save_dir``, the current time ``%Y%m%d_%H%M%S``.

    Args:
        save_dir: Names the experiment (Aim stores runs in its own repo). Defaults to None.
        init_kwargs: ``aim.Run`` arguments. Defaults to None.
    """

    def __init__(self, save_dir: str | None = None, init_kwargs: dict | None = None) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        aim = import_optional('aim', 'aim', 'AimVisBackend')
        if self._save_dir is not None:
            parts = os.path.normpath(self._save_dir).split(os.sep)
            exp_name = '_'.join(parts[-2:])
        else:
            exp_name = datetime.now().strftime('%Y%m%d_%H%M%S')
        self._init_kwargs = dict(self._init_kwargs or {})
        self._init_kwargs.setdefault('experiment', exp_name)
        self._aim = aim
        self._aim_run = aim.Run(**self._init_kwargs)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``aim.Run``."""
        return self._aim_run

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Store the config (as a dict) under ``hparams``."""
        self._aim_run['hparams'] = config_to_dict(config)

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Track an RGB image at ``step``."""
        self._aim_run.track(name=name, value=self._aim.Image(image), step=step)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Track one scalar at ``step``."""
        self._aim_run.track(name=name, value=scalar_value(value), step=step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Track each scalar of ``scalar_dict`` at ``step`` (``file_path`` is unused)."""
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step)

    def close(self) -> None:
        """Close the run."""
        if self._env_initialized:
            self._aim_run.close()
