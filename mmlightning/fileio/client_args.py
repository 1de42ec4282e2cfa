"""The backend of a file given MMEngine's deprecated ``file_client_args`` or ``backend_args``."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from mmlightning.fileio.file_client import FileClient
from mmlightning.fileio.io import BackendArgs, get_file_backend


def backend_for(file: str | Path, file_client_args: dict | None,
                backend_args: BackendArgs) -> Any:
    """The object reading/writing ``file``: a ``FileClient`` or a storage backend.

    ``file_client_args`` (deprecated, with a ``DeprecationWarning``) goes to
    :meth:`FileClient.infer_client`, as in MMEngine; otherwise :func:`get_file_backend`.

    Raises:
        ValueError: If both ``file_client_args`` and ``backend_args`` are given.
    """
    if file_client_args is None:
        return get_file_backend(file, backend_args=backend_args, enable_singleton=True)
    warnings.warn('"file_client_args" will be deprecated in future. Please use "backend_args" '
                  'instead', DeprecationWarning, stacklevel=3)
    if backend_args is not None:
        raise ValueError('"file_client_args" and "backend_args" cannot be set at the same '
                         'time; keep only backend_args.')
    return FileClient.infer_client(file_client_args, file)
