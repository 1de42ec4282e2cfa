"""``LmdbBackend``: values of an LMDB database, keyed by "file path"."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mmlightning.fileio.backends.base import BaseStorageBackend


class LmdbBackend(BaseStorageBackend):
    """Lmdb storage (``mmengine.fileio.backends.LmdbBackend``); needs ``pip install lmdb``.

    The database is opened on the first :meth:`get` (so the backend can be created before
    dataloader workers fork) with ``lmdb.open(db_path, readonly, lock, readahead, **kwargs)``.

    Args:
        db_path (str | Path): The LMDB database folder.
        readonly (bool): Open read-only. Defaults to True.
        lock (bool): Use LMDB's locking. Defaults to False.
        readahead (bool): Let the OS read ahead. Defaults to False.
        **kwargs: Other arguments of ``lmdb.open``.

    Raises:
        ImportError: If ``lmdb`` is not installed.
    """

    def __init__(self, db_path: str | Path, readonly: bool = True, lock: bool = False,
                 readahead: bool = False, **kwargs: Any) -> None:
        try:
            import lmdb  # noqa: F401
        except ImportError:
            raise ImportError('Please run "pip install lmdb" to enable LmdbBackend.') from None
        self.db_path = str(db_path)
        self.readonly = readonly
        self.lock = lock
        self.readahead = readahead
        self.kwargs = kwargs
        self._client: Any = None

    def get(self, filepath: str | Path) -> bytes | None:
        """The value stored under the key ``filepath`` (ASCII), None if absent."""
        if self._client is None:
            import lmdb
            self._client = lmdb.open(self.db_path, readonly=self.readonly, lock=self.lock,
                                     readahead=self.readahead, **self.kwargs)
        with self._client.begin(write=False) as txn:
            return txn.get(str(filepath).encode('ascii'))

    def get_text(self, filepath: str | Path, encoding: str | None = None) -> str:
        """Not supported: LMDB values are bytes (as in MMEngine)."""
        raise NotImplementedError('LmdbBackend stores bytes; use get() and decode the value.')

    def __del__(self) -> None:
        if getattr(self, '_client', None) is not None:
            self._client.close()
