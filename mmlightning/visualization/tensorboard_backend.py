"""``TensorboardVisBackend`` on Lightning's ``TensorBoardLogger``."""
from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import BaseVisBackend, check_scalar_dict, config_to_text, force_init_env

if TYPE_CHECKING:
    from lightning.pytorch.loggers import TensorBoardLogger

_SCALAR_TYPES = (int, float, torch.Tensor, np.ndarray, np.number)


@VISBACKENDS.register_module()
class TensorboardVisBackend(BaseVisBackend):
    """Write scalars, images and the config to TensorBoard event files in ``save_dir``.

    The writing goes through a ``lightning.pytorch.loggers.TensorBoardLogger`` whose
    log dir is ``save_dir`` itself (as MMEngine's backend writes there); pass
    :attr:`lightning_logger` to the ``Trainer`` so that Lightning logs into the same files.

    Args:
        save_dir: The directory of the event files.
    """

    def __init__(self, save_dir: str) -> None:
        super().__init__(save_dir)
        self._logger: TensorBoardLogger | None = None

    @property
    def lightning_logger(self) -> TensorBoardLogger:
        """The Lightning logger this backend writes through (created on first access)."""
        if self._logger is None:
            from lightning.pytorch.loggers import TensorBoardLogger

            self._logger = TensorBoardLogger(self._save_dir, name='', version='',
                                             default_hp_metric=False)
        return self._logger

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        self._tensorboard = self.lightning_logger.experiment

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``SummaryWriter`` of the Lightning logger."""
        return self._tensorboard

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config text under the tag ``config``."""
        self._tensorboard.add_text('config', config_to_text(config))

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Record an RGB ``(H, W, 3)`` image."""
        self._tensorboard.add_image(name, image, step, dataformats='HWC')

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Record a scalar; a value that is not a number, array or tensor is skipped (warning)."""
        if not isinstance(value, _SCALAR_TYPES):
            warnings.warn(f'Got {type(value)} for {name!r}, but numpy array, torch tensor, int or '
                          'float are expected. skip it!', stacklevel=2)
            return
        if isinstance(value, (np.ndarray, np.number)):
            value = value.item()
        self.lightning_logger.log_metrics({name: value}, step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Record each value of ``scalar_dict`` at ``step`` (``file_path`` is unused).

        Raises:
            TypeError: If ``scalar_dict`` is not a dict.
            VisualizerArgumentError: If it has a ``step`` key (pass ``step=`` instead).
        """
        check_scalar_dict(scalar_dict)
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step)

    def close(self) -> None:
        """Flush and close the event file."""
        if self._env_initialized:
            self._tensorboard.close()
