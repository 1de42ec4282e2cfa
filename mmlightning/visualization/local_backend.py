"""``LocalVisBackend``: MMEngine's ``vis_data/`` layout on the local disk."""
from __future__ import annotations

import copy
import json
import os
import os.path as osp
from typing import Any

import numpy as np
import torch

from mmlightning.registry import VISBACKENDS

from .base_backend import BaseVisBackend, check_uint8, config_to_text, force_init_env
from .curves import plot_curves
from .utils import VisualizerArgumentError


def _json_default(obj: Any) -> Any:
    """Make numpy values, tensors, sets and ranges JSON-serialisable (as ``set_default``)."""
    if isinstance(obj, (set, range)):
        return list(obj)
    if isinstance(obj, (np.ndarray, torch.Tensor)):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'{type(obj).__name__} is not JSON serializable; log numbers, arrays or '
                    'tensors')


def _check_suffix(name: str, value: str, suffix: str) -> None:
    if value.split('.')[-1] != suffix:
        raise VisualizerArgumentError(f'{name} must end with .{suffix}, got {value!r}')


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write the config, images and scalars under ``save_dir`` (MMEngine's ``vis_data/``).

    Files: ``config.py`` (``add_config``), ``vis_image/<name>_<step>.png``
    (``add_image``) and ``scalars.json``, one JSON object per ``add_scalar(s)`` call.

    Args:
        save_dir: The directory to write to.
        img_save_dir: Sub-directory of the images. Defaults to 'vis_image'.
        config_save_file: File name of the config, a ``.py``. Defaults to 'config.py'.
        scalar_save_file: File name of the scalars, a ``.json``. Defaults to 'scalars.json'.

    Raises:
        VisualizerArgumentError: If a file name has the wrong suffix.
    """

    def __init__(self, save_dir: str, img_save_dir: str = 'vis_image',
                 config_save_file: str = 'config.py',
                 scalar_save_file: str = 'scalars.json') -> None:
        _check_suffix('config_save_file', config_save_file, 'py')
        _check_suffix('scalar_save_file', scalar_save_file, 'json')
        super().__init__(save_dir)
        self._img_save_dir = img_save_dir
        self._config_save_file = config_save_file
        self._scalar_save_file = scalar_save_file

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        self._img_save_dir = osp.join(self._save_dir, self._img_save_dir)
        self._config_save_file = osp.join(self._save_dir, self._config_save_file)
        self._scalar_save_file = osp.join(self._save_dir, self._scalar_save_file)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> LocalVisBackend:
        """The backend itself."""
        return self

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Write the config to ``config.py`` (``Config.dump``, or ``key = value`` lines)."""
        if hasattr(config, 'dump'):
            config.dump(self._config_save_file)
            return
        with open(self._config_save_file, 'w', encoding='utf-8') as f:
            f.write(config_to_text(config))

    @force_init_env
    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Save the RGB uint8 ``image`` to ``vis_image/<name>_<step>.png``.

        Raises:
            VisualizerArgumentError: If the image is not uint8.
        """
        from PIL import Image

        check_uint8(image)
        os.makedirs(self._img_save_dir, exist_ok=True)
        Image.fromarray(image).save(osp.join(self._img_save_dir, f'{name}_{step}.png'))

    @force_init_env
    def add_scalar(self, name: str, value: int | float | torch.Tensor | np.ndarray,
                   step: int = 0, **kwargs: Any) -> None:
        """Append ``{name: value, "step": step}`` to ``scalars.json``."""
        if isinstance(value, torch.Tensor):
            value = value.item()
        self._dump({name: value, 'step': step}, self._scalar_save_file)

    @force_init_env
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Append ``scalar_dict`` (with ``step`` unless it has one) to ``scalars.json``.

        Args:
            scalar_dict: Names and values; they must be JSON-serialisable.
            step: Global step, added as ``"step"``. Defaults to 0.
            file_path: Also append the line to this ``.json`` file under ``save_dir``.

        Raises:
            TypeError: If ``scalar_dict`` is not a dict.
            VisualizerArgumentError: If ``file_path`` is not a ``.json`` or is ``scalars.json``.
        """
        if not isinstance(scalar_dict, dict):
            raise TypeError(f'scalar_dict should be a dict, got {type(scalar_dict).__name__}')
        scalar_dict = copy.deepcopy(scalar_dict)
        scalar_dict.setdefault('step', step)
        if file_path is not None:
            _check_suffix('file_path', file_path, 'json')
            extra_file = osp.join(self._save_dir, file_path)
            if extra_file == self._scalar_save_file:
                raise VisualizerArgumentError(
                    f'file_path {file_path!r} is the scalar_save_file; give another name')
            self._dump(scalar_dict, extra_file)
        self._dump(scalar_dict, self._scalar_save_file)

    @force_init_env
    def plot_scalars(self, out_file: str = 'scalars.png') -> str:
        """Draw the loss, learning-rate and metric curves of ``scalars.json`` into a PNG.

        Args:
            out_file: PNG file name under ``save_dir``. Defaults to 'scalars.png'.

        Returns:
            The path of the PNG.
        """
        out_path = osp.join(self._save_dir, out_file)
        plot_curves(self._scalar_save_file, out_path)
        return out_path

    @staticmethod
    def _dump(value_dict: dict, file_path: str) -> None:
        with open(file_path, 'a+', encoding='utf-8') as f:
            json.dump(value_dict, f, default=_json_default)
            f.write('\n')
