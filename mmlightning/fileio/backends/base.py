"""``BaseStorageBackend``: the interface every storage backend implements."""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from pathlib import Path

logger = logging.getLogger(__name__)


class BaseStorageBackend(metaclass=ABCMeta):
    """Abstract class of storage backends (``mmengine.fileio.backends.BaseStorageBackend``).

    A backend implements at least :meth:`get` (the bytes of a file) and :meth:`get_text` (its
    text). The other operations (``put``, ``exists``, ``copyfile``, ``list_dir_or_file``...)
    are optional; the unified functions of :mod:`mmlightning.fileio.io` call them by name.
    """

    _allow_symlink = False

    @property
    def allow_symlink(self) -> bool:
        """Whether the backend may symlink instead of copying (deprecated, as in MMEngine)."""
        logger.warning('allow_symlink will be deprecated in future')
        return self._allow_symlink

    @property
    def name(self) -> str:
        """The backend's class name."""
        return self.__class__.__name__

    @abstractmethod
    def get(self, filepath: str | Path) -> bytes:
        """Read the bytes of ``filepath``."""

    @abstractmethod
    def get_text(self, filepath: str | Path) -> str:
        """Read the text of ``filepath``."""
