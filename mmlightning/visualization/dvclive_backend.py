"""``DVCLiveVisBackend``: scalars, images, params and artifacts with DVCLive."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import (
    BaseVisBackend,
    artifact_files,
    check_uint8,
    config_to_dict,
    force_init_env,
    scalar_value,
)
from .utils import import_optional


def to_param_like(value: Any) -> Any:
    """Turn a config value into what ``Live.log_params`` accepts (dicts, lists, numbers)."""
    if isinstance(value, Mapping):
        return {key: to_param_like(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_param_like(item) for item in value]
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@VISBACKENDS.register_module()
class DVCLiveVisBackend(BaseVisBackend):
    """Log scalars, images and the config with DVCLive (needs ``pip install dvclive``).

    ``dvclive.Live`` is made on first use with ``init_kwargs``, defaulting ``dir`` to
    ``save_dir``, ``save_dvc_exp`` and ``cache_images`` to True. :meth:`close` logs
    the files under ``save_dir`` ending with ``artifact_suffix`` as artifacts and ends
    the run.

    Args:
        save_dir: The directory of DVCLive's files.
        artifact_suffix: Suffixes of the artifacts logged by :meth:`close`.
        init_kwargs: ``dvclive.Live`` arguments. Defaults to None.
    """

    def __init__(self, save_dir: str, artifact_suffix: Sequence[str] | str = ('.json', '.py',
                                                                              'yaml'),
                 init_kwargs: dict | None = None) -> None:
        super().__init__(save_dir)
        self._artifact_suffix = artifact_suffix
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        dvclive = import_optional('dvclive', 'dvclive', 'DVCLiveVisBackend')
        self._init_kwargs = dict(self._init_kwargs or {})
        self._init_kwargs.setdefault('dir', self._save_dir)
        self._init_kwargs.setdefault('save_dvc_exp', True)
        self._init_kwargs.setdefault('cache_images', True)
        self._dvclive = dvclive.Live(**self._init_kwargs)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> Any:
        """The ``dvclive.Live`` object, to log tables, plots, ... directly."""
        return self._dvclive

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Log the config (a ``Config`` or a dict) as params."""
        self.cfg = config
        self._dvclive.log_params(to_param_like(config_to_dict(config)))

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Log an RGB uint8 image as ``<name>.png`` (``step`` is unused: DVCLive keeps the last).

        Raises:
            VisualizerArgumentError: If the image is not uint8.
        """
        check_uint8(image)
        self._dvclive.log_image(f'{name}.png', image)

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Log one metric at ``step``."""
        self._dvclive.step = step
        self._dvclive.log_metric(name, scalar_value(value))

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Log each metric of ``scalar_dict`` at ``step`` (``file_path`` is unused)."""
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step, **kwargs)

    def close(self) -> None:
        """Log the artifacts under ``save_dir`` and end the DVCLive run."""
        if not self._env_initialized:
            return
        for file_path, _ in artifact_files(self._save_dir, self._artifact_suffix, True):
            self._dvclive.log_artifact(file_path)
        self._dvclive.end()
