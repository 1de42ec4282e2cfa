"""A context manager giving a temporary local file with some bytes in it."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Generator
from contextlib import contextmanager


@contextmanager
def temporary_file(data: bytes, suffix: str = '') -> Generator[str, None, None]:
    """Yield the path of a temporary file holding ``data``; the file is removed afterwards."""
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        yield path
    finally:
        if os.path.exists(path):
            os.remove(path)
