"""``load`` / ``dump``: json, yaml and pickle files (or strings) on any storage backend."""
from __future__ import annotations

import io
import os
from typing import Any

from mmlightning.fileio.client_args import backend_for
from mmlightning.fileio.handlers import BaseFileHandler, file_handlers
from mmlightning.fileio.io import BackendArgs


def _handler(file_format: str | None, file: Any) -> BaseFileHandler:
    """The handler for ``file_format``; raises a TypeError naming the supported formats."""
    if file_format in file_handlers:
        return file_handlers[file_format]
    supported = ', '.join(sorted(file_handlers))
    if file_format is None:
        raise TypeError(f'Cannot infer the format of {file!r}: pass file_format= (one of '
                        f'{supported}).')
    where = f' (suffix of {file!r})' if isinstance(file, str) else ''
    raise TypeError(f'Unsupported format: {file_format!r}{where}. Supported formats: '
                    f'{supported}; pass file_format= or register a handler with '
                    'register_handler.')


def load(file: Any,
         file_format: str | None = None,
         file_client_args: dict | None = None,
         backend_args: BackendArgs = None,
         **kwargs: Any) -> Any:
    """Load data from a json / yaml / pickle file.

    Args:
        file (str | Path | file-like): A path or URL, or an open file object.
        file_format (str, optional): ``json``, ``yaml``/``yml`` or ``pickle``/``pkl`` (or a
            registered one). Defaults to the suffix of ``file``.
        file_client_args (dict, optional): Deprecated: ``FileClient`` arguments.
        backend_args (dict, optional): See :func:`mmlightning.fileio.get_file_backend`.
        **kwargs: Passed to the handler's ``load_from_fileobj``.

    Returns:
        The loaded object. yaml uses a safe loader: Python-object tags other than
        ``!!python/tuple`` are refused.

    Raises:
        TypeError: If the format is unknown, or ``file`` is neither a path nor readable.
        ValueError: If both ``file_client_args`` and ``backend_args`` are given.
        FileNotFoundError: If the path does not exist.
    """
    if isinstance(file, os.PathLike):
        file = os.fspath(file)
    if file_format is None and isinstance(file, str):
        file_format = file.split('.')[-1]
    handler = _handler(file_format, file)
    if isinstance(file, str):
        backend = backend_for(file, file_client_args, backend_args)
        if handler.str_like:
            buffer: io.IOBase = io.StringIO(backend.get_text(file))
        else:
            buffer = io.BytesIO(backend.get(file))
        with buffer as f:
            return handler.load_from_fileobj(f, **kwargs)
    if hasattr(file, 'read'):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError(f'"file" must be a filepath str or a file-object, got '
                    f'{type(file).__name__}: {file!r}')


def dump(obj: Any,
         file: Any = None,
         file_format: str | None = None,
         file_client_args: dict | None = None,
         backend_args: BackendArgs = None,
         **kwargs: Any) -> str | bytes | None:
    """Dump ``obj`` as json / yaml / pickle to a file, or return it as a string.

    Writes to local paths are atomic (temporary file + ``os.replace``).

    Args:
        obj: The object to serialize.
        file (str | Path | file-like, optional): Where to write; None returns the serialized
            str (bytes for pickle).
        file_format (str, optional): As :func:`load`; required when ``file`` is None.
        file_client_args (dict, optional): Deprecated: ``FileClient`` arguments.
        backend_args (dict, optional): As :func:`load`.
        **kwargs: Passed to the handler's dump method (e.g. ``indent=2`` for json).

    Returns:
        The serialized data when ``file`` is None, else None.

    Raises:
        ValueError: If ``file`` and ``file_format`` are both None, or both
            ``file_client_args`` and ``backend_args`` are given.
        TypeError: If the format is unknown, or ``file`` is neither a path nor writable.
    """
    if isinstance(file, os.PathLike):
        file = os.fspath(file)
    if file_format is None:
        if isinstance(file, str):
            file_format = file.split('.')[-1]
        elif file is None:
            raise ValueError('file_format must be specified since file is None, e.g. '
                             "dump(obj, file_format='json')")
    handler = _handler(file_format, file)
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    if isinstance(file, str):
        backend = backend_for(file, file_client_args, backend_args)
        if handler.str_like:
            with io.StringIO() as f:
                handler.dump_to_fileobj(obj, f, **kwargs)
                backend.put_text(f.getvalue(), file)
        else:
            with io.BytesIO() as f:
                handler.dump_to_fileobj(obj, f, **kwargs)
                backend.put(f.getvalue(), file)
        return None
    if hasattr(file, 'write'):
        handler.dump_to_fileobj(obj, file, **kwargs)
        return None
    raise TypeError(f'"file" must be a filename str or a file-object, got '
                    f'{type(file).__name__}: {file!r}')
