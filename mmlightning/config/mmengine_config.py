"""The config as an ``mmengine.Config``, for MMEngine objects that accept nothing else.

An OpenMMLab package's components are MMEngine objects. Some of them check the
config's class: MMEngine's vis backends ``assert isinstance(config, Config)``
in ``add_config``. They get an ``mmengine.Config`` made from mmlightning's.
"""
from __future__ import annotations

from typing import Any

from .config import Config


def is_mmengine_object(obj: Any) -> bool:
    """Whether ``obj``'s class is MMEngine's or derives from one of MMEngine's classes.

    ``mmengine`` is not imported: an object of one of its classes means it already is.
    """
    return any(cls.__module__.split('.')[0] == 'mmengine' for cls in type(obj).__mro__)


def to_mmengine_config(cfg: Config) -> Any:
    """``cfg`` as an ``mmengine.Config`` (same keys, text and file name).

    Args:
        cfg: mmlightning's config.

    Raises:
        ImportError: If ``mmengine`` is not installed.
    """
    from mmengine.config import Config as MMEngineConfig

    return MMEngineConfig(cfg.to_dict(), cfg_text=cfg.text or None, filename=cfg.filename)
