"""Copying a file or a directory tree, for backends whose "symlink" is a copy."""
from __future__ import annotations

from pathlib import Path
from typing import Any

PathLike = str | Path


def copy_file_or_tree(backend: Any, src: PathLike, dst: PathLike) -> None:
    """``backend.copyfile`` if ``src`` is a file, else ``backend.copytree``."""
    if backend.isfile(src):
        backend.copyfile(src, dst)
    else:
        backend.copytree(src, dst)


class CopyInsteadOfSymlink:
    """``copy_if_symlink_fails`` for stores without symlinks: always a copy."""

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Copy ``src`` (a file or a directory) to ``dst``: this store has no symlinks.

        Returns:
            bool: False (always a copy).
        """
        copy_file_or_tree(self, src, dst)
        return False
