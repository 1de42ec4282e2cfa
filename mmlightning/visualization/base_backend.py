"""``BaseVisBackend`` and the lazy environment set-up shared by every backend."""
from __future__ import annotations

import functools
import os.path as osp
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import torch

from mmlightning.dist import is_main_process
from mmlightning.utils import scandir

from .utils import VisualizerArgumentError

_F = TypeVar('_F', bound=Callable[..., Any])


def force_init_env(old_func: _F) -> _F:
    """Call ``self._init_env()`` once before the decorated method runs.

    Backends set up their files, writers or runs only when first used, as in MMEngine.
    """

    @functools.wraps(old_func)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(obj, '_env_initialized', False):
            obj._init_env()
            obj._env_initialized = True
        return old_func(obj, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def config_to_dict(config: Any) -> dict:
    """Return a plain dict of a ``Config`` (anything with ``to_dict``) or a mapping.

    Raises:
        TypeError: If ``config`` is neither.
    """
    if hasattr(config, 'to_dict'):
        return config.to_dict()
    if isinstance(config, Mapping):
        return dict(config)
    raise TypeError(f'config should be a Config or a dict, got {type(config).__name__}')


def config_to_text(config: Any) -> str:
    """Return the Python text of a config: ``Config.pretty_text`` or ``key = repr(value)`` lines."""
    if hasattr(config, 'pretty_text'):
        return config.pretty_text
    return ''.join(f'{key} = {value!r}\n' for key, value in config_to_dict(config).items())


def config_work_dir(config: Any) -> str | None:
    """The ``work_dir`` of a config or dict recorded by ``add_config``, or None."""
    if config is None:
        return None
    work_dir = config_to_dict(config).get('work_dir')
    return work_dir if isinstance(work_dir, str) else None


def is_rank_zero() -> bool:
    """Whether this process is the one that logs: rank 0 of the process group, and of the
    launcher's environment (``RANK``/``LOCAL_RANK``, read by Lightning) before the group exists.

    A Lightning logger built on another rank must not start a run of its own.
    """
    from lightning.fabric.utilities.rank_zero import rank_zero_only

    return is_main_process() and getattr(rank_zero_only, 'rank', 0) == 0


def check_scalar_dict(scalar_dict: Any) -> None:
    """Check the ``scalar_dict`` of ``add_scalars`` for backends that take the step separately.

    Raises:
        TypeError: If ``scalar_dict`` is not a dict.
        VisualizerArgumentError: If it has a ``step`` key (pass ``step=`` instead).
    """
    if not isinstance(scalar_dict, dict):
        raise TypeError(f'scalar_dict should be a dict, got {type(scalar_dict).__name__}')
    if 'step' in scalar_dict:
        raise VisualizerArgumentError(
            "scalar_dict has a 'step' key: Please set it directly through the step parameter")


def check_uint8(image: np.ndarray) -> None:
    """Raise ``VisualizerArgumentError`` unless ``image`` is a uint8 array."""
    if image.dtype != np.uint8:
        raise VisualizerArgumentError(
            f'add_image expects a uint8 image, got {image.dtype}; convert with '
            '`image.astype(np.uint8)`')


def scalar_value(value: Any) -> Any:
    """Return a one-element tensor or numpy value as a Python number; other values unchanged."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value
    if isinstance(value, (np.ndarray, np.generic)) and value.size == 1:
        return value.item()
    return value


def artifact_files(root: str, suffix: str | Sequence[str], recursive: bool
                   ) -> list[tuple[str, str]]:
    """The files under ``root`` ending with ``suffix``, as ``(path, folder relative to root)``.

    Returns an empty list when ``root`` is not a directory.
    """
    if not osp.isdir(root):
        return []
    suffix = suffix if isinstance(suffix, str) else tuple(suffix)
    return [(osp.join(root, name), osp.dirname(name))
            for name in sorted(scandir(root, suffix, recursive))]


class BaseVisBackend(metaclass=ABCMeta):
    """Base class of visualization backends; every ``add_*`` method is a no-op here.

    Args:
        save_dir: The root directory of the files the backend writes.
    """

    def __init__(self, save_dir: str | None) -> None:
        self._save_dir = save_dir
        self._env_initialized = False

    @property
    @abstractmethod
    def experiment(self) -> Any:
        """The object behind the backend (a writer, a run, ...) for custom logging."""

    @abstractmethod
    def _init_env(self) -> Any:
        """Set the backend up; called once, on first use."""

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config (a ``Config`` or a dict)."""
        return None

    def add_graph(self, model: torch.nn.Module, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Record the model graph."""
        return None

    def add_image(self, name: str, image: np.ndarray, step: int = 0, **kwargs: Any) -> None:
        """Record an RGB uint8 image under ``name`` at ``step``."""
        return None

    def add_scalar(self, name: str, value: int | float, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar under ``name`` at ``step``."""
        return None

    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Record several scalars at ``step``; ``file_path`` is used by the local backend."""
        return None

    def close(self) -> None:
        """Release what the backend opened."""
        return None
