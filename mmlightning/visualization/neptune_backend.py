"""``NeptuneVisBackend``: scalars, images and the config to a Neptune run."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import (
    BaseVisBackend,
    check_scalar_dict,
    config_to_text,
    force_init_env,
    scalar_value,
)
from .utils import import_optional


@VISBACKENDS.register_module()
class NeptuneVisBackend(BaseVisBackend):
    """Log scalars, images and the config to a Neptune run (needs ``pip install neptune``).

    The run is ``neptune.init_run(**init_kwargs)``, made on first use; without
    ``init_kwargs`` it runs offline (``mode='offline'``). Give ``project`` and
    ``api_token`` (better: the ``NEPTUNE_PROJECT`` and ``NEPTUNE_API_TOKEN``
    environment variables) to log to a project.

    Args:
        save_dir: Unused (Neptune stores the run itself); kept for a uniform interface.
        init_kwargs: ``neptune.init_run`` arguments. Defaults to None (offline).
    """

    def __init__(self, save_dir: str | None = None, init_kwargs: dict | None = None) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        neptune = import_optional('neptune', 'neptune', 'NeptuneVisBackend')
        if self._init_kwargs is None:
            self._init_kwargs = {'mode': 'offline'}
        self._neptune = neptune.init_run(**self._init_kwargs)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The Neptune ``Run``."""
        return self._neptune

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Upload the config's Python text as the file ``config``."""
        from neptune.types import File

        self._neptune['config'].upload(File.from_content(config_to_text(config)))

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Append an RGB uint8 image to the ``images`` series at ``step``."""
        from neptune.types import File

        # Neptune reads float images in [0, 1]
        self._neptune['images'].append(File.as_image(image.astype(np.float32) / 255.0),
                                       name=name, step=step)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Append one value to the series ``name`` at ``step``."""
        self._neptune[name].append(scalar_value(value), step=step)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Append each value of ``scalar_dict`` at ``step`` (``file_path`` is unused).

        Raises:
            TypeError: If ``scalar_dict`` is not a dict.
            VisualizerArgumentError: If it has a ``step`` key (pass ``step=`` instead).
        """
        check_scalar_dict(scalar_dict)
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step)

    def close(self) -> None:
        """Stop the run."""
        if self._env_initialized:
            self._neptune.stop()
