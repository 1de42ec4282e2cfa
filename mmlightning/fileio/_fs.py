"""Resolving a path or URL to an fsspec filesystem, and atomic local writes."""
from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import fsspec
from fsspec import AbstractFileSystem

PathLike = str | Path


def local_path(filepath: PathLike) -> str | None:
    """Return the local path ``filepath`` names, or None when it is a remote URL.

    Plain paths (no ``://``) are returned unchanged; ``file://`` URLs lose their prefix.
    """
    path = os.fspath(filepath)
    if '://' not in path:
        return path
    if path.startswith('file://'):
        return path[len('file://'):]
    return None


def resolve(filepath: PathLike,
            options: Mapping[str, Any] | None = None) -> tuple[AbstractFileSystem, str]:
    """Return the fsspec filesystem serving ``filepath`` and the path inside it.

    ``options`` are the filesystem's keyword arguments (fsspec ``storage_options``). Local
    paths keep their spelling (relative stays relative), so results match ``os.path``.
    """
    options = dict(options or {})
    local = local_path(filepath)
    if local is not None:
        return fsspec.filesystem('file', **options), local
    return fsspec.core.url_to_fs(os.fspath(filepath), **options)


def is_local(fs: AbstractFileSystem) -> bool:
    """Whether ``fs`` is the local disk."""
    return isinstance(fs, fsspec.implementations.local.LocalFileSystem)


def missing(filepath: PathLike, what: str = 'file') -> FileNotFoundError:
    """A FileNotFoundError naming the path the caller passed."""
    path = os.fspath(filepath)
    hint = '' if '://' in path or os.path.isabs(path) else (
        f' (relative to the working directory {os.getcwd()!r})')
    return FileNotFoundError(f'No such {what}: {path!r}{hint}; check the path.')


def atomic_write(data: bytes, path: str) -> None:
    """Write ``data`` to the local ``path`` atomically, creating missing parent folders.

    The bytes go to a temporary file in the same folder which then replaces ``path`` in one
    ``os.replace``, so readers see the old content or the new one, never a partial file.
    """
    folder = os.path.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    # open(..., 'xb') rather than mkstemp: the file gets the usual umask-based permissions.
    tmp = os.path.join(folder, f'.{os.path.basename(path)}.{uuid.uuid4().hex}.tmp')
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
