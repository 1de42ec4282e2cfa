"""Storage backends (``mmengine.fileio.backends``) and their registry.

``LocalBackend`` (local disk), ``HTTPBackend`` (urllib), ``PetrelBackend`` (``petrel_client``),
``LmdbBackend`` (``lmdb``), ``MemcachedBackend`` (``mc``) as in MMEngine, plus
``FsspecBackend``, which serves every other URL fsspec knows.
"""
from .base import BaseStorageBackend
from .fsspec_backend import FsspecBackend
from .http_backend import HTTPBackend
from .lmdb_backend import LmdbBackend
from .local_backend import LocalBackend
from .memcached_backend import MemcachedBackend
from .petrel_backend import PetrelBackend
from .registry_utils import backends, prefix_to_backends, register_backend

__all__ = [
    'BaseStorageBackend', 'FsspecBackend', 'HTTPBackend', 'LmdbBackend', 'LocalBackend',
    'MemcachedBackend', 'PetrelBackend', 'backends', 'prefix_to_backends', 'register_backend'
]
