"""``MemcachedBackend``: files cached in memcached, through the ``mc`` client."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mmlightning.fileio.backends.base import BaseStorageBackend


class MemcachedBackend(BaseStorageBackend):
    """Memcached storage (``mmengine.fileio.backends.MemcachedBackend``).

    Needs the ``mc`` Python client of a memcached installation (not on PyPI).

    Args:
        server_list_cfg (str): The server list configuration file.
        client_cfg (str): The client configuration file.
        sys_path (str, optional): A folder appended to ``sys.path`` to find ``mc``.

    Raises:
        ImportError: If ``mc`` cannot be imported.
    """

    def __init__(self, server_list_cfg: str, client_cfg: str,
                 sys_path: str | None = None) -> None:
        if sys_path is not None:
            sys.path.append(sys_path)
        try:
            import mc
        except ImportError:
            raise ImportError('Please install memcached to enable MemcachedBackend.') from None
        self.server_list_cfg = server_list_cfg
        self.client_cfg = client_cfg
        self._client = mc.MemcachedClient.GetInstance(self.server_list_cfg, self.client_cfg)
        self._mc_buffer = mc.pyvector()

    def get(self, filepath: str | Path) -> Any:
        """The cached value of ``filepath`` (a buffer, as ``mc.ConvertBuffer`` returns it)."""
        import mc
        self._client.Get(str(filepath), self._mc_buffer)
        return mc.ConvertBuffer(self._mc_buffer)

    def get_text(self, filepath: str | Path, encoding: str | None = None) -> str:
        """Not supported, as in MMEngine: use :meth:`get`."""
        raise NotImplementedError('MemcachedBackend returns buffers; use get().')
