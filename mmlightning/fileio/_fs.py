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


def storage_options(backend_args: Mapping[str, Any] | None) -> dict[str, Any]:
    """Extract the fsspec ``storage_options`` from MMEngine-style ``backend_args``.

    Every other key (``backend``, ``path_mapping``, ...) only selects one of MMEngine's own
    storage backends; fsspec picks the filesystem from the URL, so those keys are ignored.

    Raises:
        TypeError: If ``backend_args`` or its ``storage_options`` is not a mapping.
    """
    if backend_args is None:
        return {}
    if not isinstance(backend_args, Mapping):
        raise TypeError(f'backend_args must be a dict or None, got {type(backend_args).__name__}: '
                        f'{backend_args!r}')
    options = backend_args.get('storage_options') or {}
    if not isinstance(options, Mapping):
        raise TypeError("backend_args['storage_options'] must be a dict of fsspec filesystem "
                        f'arguments, got {type(options).__name__}: {options!r}')
    return dict(options)


def resolve(filepath: PathLike,
            backend_args: Mapping[str, Any] | None = None) -> tuple[AbstractFileSystem, str]:
    """Return the fsspec filesystem serving ``filepath`` and the path inside it.

    Local paths keep their spelling (relative stays relative), so results match ``os.path``.
    """
    options = storage_options(backend_args)
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
