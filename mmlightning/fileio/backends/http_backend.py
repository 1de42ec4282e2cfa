"""``HTTPBackend``: read files over http(s) with :mod:`urllib`."""
from __future__ import annotations

import posixpath
import urllib.parse
from collections.abc import Generator
from contextlib import contextmanager
from urllib.request import urlopen

from mmlightning.fileio.backends.base import BaseStorageBackend
from mmlightning.fileio.backends.temp_copy import temporary_file


class HTTPBackend(BaseStorageBackend):
    """Read-only http(s) storage (``mmengine.fileio.backends.HTTPBackend``)."""

    def get(self, filepath: str) -> bytes:
        """Download the bytes at the URL ``filepath``."""
        with urlopen(filepath) as response:
            return response.read()

    def get_text(self, filepath: str, encoding: str = 'utf-8') -> str:
        """Download the text at the URL ``filepath``, decoded with ``encoding``."""
        return self.get(filepath).decode(encoding)

    @contextmanager
    def get_local_path(self, filepath: str) -> Generator[str, None, None]:
        """Download ``filepath`` to a temporary file (removed when the block ends)."""
        suffix = posixpath.splitext(urllib.parse.urlparse(filepath).path)[1]
        with temporary_file(self.get(filepath), suffix) as path:
            yield path
