"""``FileClient`` and ``HardDiskBackend``: MMEngine's deprecated backend front end."""
from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mmlightning.fileio.backends import (
    BaseStorageBackend,
    HTTPBackend,
    LmdbBackend,
    LocalBackend,
    MemcachedBackend,
    PetrelBackend,
)
from mmlightning.fileio.backends.registry_utils import check_registration
from mmlightning.fileio.uri import uri_prefix

logger = logging.getLogger(__name__)
BackendClass = type[BaseStorageBackend]


class HardDiskBackend(LocalBackend):
    """Deprecated alias of :class:`LocalBackend` (MMEngine's name for local storage)."""

    def __init__(self) -> None:
        logger.warning('"HardDiskBackend" is the alias of "LocalBackend" and the former will be '
                       'deprecated in future.')


class FileClient:
    """A general file client over one storage backend (``mmengine.fileio.FileClient``).

    Deprecated in MMEngine in favour of :func:`mmlightning.fileio.get_file_backend` and the
    functions of :mod:`mmlightning.fileio.io`; kept for code that still uses it. Instances
    are singletons per ``(backend, prefix, kwargs)``.

    Args:
        backend (str, optional): ``'disk'``, ``'memcached'``, ``'lmdb'``, ``'petrel'``,
            ``'http'`` or a name registered with :meth:`register_backend`. Defaults to
            ``'disk'`` when ``prefix`` is None too.
        prefix (str, optional): A URI prefix (``'s3'``, ``'http'``...) choosing the backend.
        **kwargs: Arguments of the backend class.

    Raises:
        ValueError: If ``backend`` or ``prefix`` is unknown.
    """

    _backends: dict[str, BackendClass] = {
        'disk': HardDiskBackend,
        'memcached': MemcachedBackend,
        'lmdb': LmdbBackend,
        'petrel': PetrelBackend,
        'http': HTTPBackend,
    }
    _prefix_to_backends: dict[str, BackendClass] = {
        's3': PetrelBackend,
        'petrel': PetrelBackend,
        'http': HTTPBackend,
        'https': HTTPBackend,
    }
    _instances: dict[str, FileClient] = {}
    client: Any

    def __new__(cls, backend: str | None = None, prefix: str | None = None,
                **kwargs: Any) -> FileClient:
        logger.warning('"FileClient" will be deprecated in future. Please use io functions in '
                       'https://mmengine.readthedocs.io/en/latest/api/fileio.html#file-io')
        if backend is None and prefix is None:
            backend = 'disk'
        if backend is not None and backend not in cls._backends:
            raise ValueError(f'Backend {backend} is not supported. Currently supported ones '
                             f'are {list(cls._backends.keys())}')
        if prefix is not None and prefix not in cls._prefix_to_backends:
            raise ValueError(f'prefix {prefix} is not supported. Currently supported ones are '
                             f'{list(cls._prefix_to_backends.keys())}')
        key = ':'.join([f'{backend}:{prefix}'] + [f'{k}:{v}' for k, v in kwargs.items()])
        if key not in cls._instances:
            instance = super().__new__(cls)
            backend_cls = (cls._backends[backend] if backend is not None
                           else cls._prefix_to_backends[prefix])  # type: ignore[index]
            instance.client = backend_cls(**kwargs)
            cls._instances[key] = instance
        return cls._instances[key]

    @property
    def name(self) -> str:
        """The backend's class name."""
        return self.client.name

    @property
    def allow_symlink(self) -> bool:
        """Whether the backend may symlink instead of copying."""
        return self.client.allow_symlink

    @staticmethod
    def parse_uri_prefix(uri: str | Path) -> str | None:
        """The prefix of ``uri`` (``'s3'``, ``'http'``...), None for a local path.

        Raises:
            FileioTypeError: If ``uri`` is neither a str nor a Path (also an AssertionError).
        """
        return uri_prefix(uri)

    @classmethod
    def infer_client(cls, file_client_args: dict | None = None,
                     uri: str | Path | None = None) -> FileClient:
        """The client of ``file_client_args`` if given, else the one of ``uri``'s prefix.

        Raises:
            ValueError: If both arguments are None.
        """
        if file_client_args is None and uri is None:
            raise ValueError('infer_client needs file_client_args or uri; both are None')
        if file_client_args is None:
            return cls(prefix=cls.parse_uri_prefix(uri))  # type: ignore[arg-type]
        return cls(**file_client_args)

    @classmethod
    def _drop_instances_of(cls, backend: BackendClass) -> None:
        for key, instance in list(cls._instances.items()):
            if isinstance(instance.client, backend):
                cls._instances.pop(key)

    @classmethod
    def _register_backend(cls, name: str, backend: BackendClass, force: bool = False,
                          prefixes: str | list[str] | tuple[str, ...] | None = None) -> None:
        check_registration(name, backend)
        if name in cls._backends:
            if not force:
                raise KeyError(f'{name} is already registered as a storage backend, add '
                               '"force=True" if you want to override it')
            cls._drop_instances_of(cls._backends[name])
        prefix_list = [prefixes] if isinstance(prefixes, str) else list(prefixes or ())
        for prefix in prefix_list:
            if prefix in cls._prefix_to_backends and not force:
                raise KeyError(f'{prefix} is already registered as a storage backend, add '
                               '"force=True" if you want to override it')
        cls._backends[name] = backend
        for prefix in prefix_list:
            if prefix in cls._prefix_to_backends:
                cls._drop_instances_of(cls._prefix_to_backends[prefix])
            cls._prefix_to_backends[prefix] = backend

    @classmethod
    def register_backend(cls, name: str, backend: BackendClass | None = None,
                         force: bool = False,
                         prefixes: str | list[str] | tuple[str, ...] | None = None
                         ) -> Callable[[BackendClass], BackendClass] | None:
        """Register a backend for ``FileClient(name)`` (a call or a class decorator).

        Raises:
            TypeError: If ``name`` is not a str or ``backend`` not a backend class.
            KeyError: If ``name`` or a prefix is taken and ``force`` is False.
        """
        if backend is not None:
            cls._register_backend(name, backend, force=force, prefixes=prefixes)
            return None

        def _register(backend_cls: BackendClass) -> BackendClass:
            cls._register_backend(name, backend_cls, force=force, prefixes=prefixes)
            return backend_cls

        return _register

    def get(self, filepath: str | Path) -> bytes | memoryview:
        """Read the bytes of ``filepath``."""
        return self.client.get(filepath)

    def get_text(self, filepath: str | Path, encoding: str = 'utf-8') -> str:
        """Read the text of ``filepath``."""
        return self.client.get_text(filepath, encoding)

    def put(self, obj: bytes, filepath: str | Path) -> None:
        """Write ``obj`` to ``filepath``."""
        self.client.put(obj, filepath)

    def put_text(self, obj: str, filepath: str | Path) -> None:
        """Write the text ``obj`` to ``filepath``."""
        self.client.put_text(obj, filepath)

    def remove(self, filepath: str | Path) -> None:
        """Remove the file ``filepath``."""
        self.client.remove(filepath)

    def exists(self, filepath: str | Path) -> bool:
        """Whether ``filepath`` exists."""
        return self.client.exists(filepath)

    def isdir(self, filepath: str | Path) -> bool:
        """Whether ``filepath`` is a directory."""
        return self.client.isdir(filepath)

    def isfile(self, filepath: str | Path) -> bool:
        """Whether ``filepath`` is a file."""
        return self.client.isfile(filepath)

    def join_path(self, filepath: str | Path, *filepaths: str | Path) -> str:
        """Concatenate path components the backend's way."""
        return self.client.join_path(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath: str | Path) -> Generator[str | Path, None, None]:
        """Yield a local path holding the content of ``filepath``."""
        with self.client.get_local_path(str(filepath)) as local_path:
            yield local_path

    def list_dir_or_file(self, dir_path: str | Path, list_dir: bool = True,
                         list_file: bool = True,
                         suffix: str | tuple[str, ...] | None = None,
                         recursive: bool = False) -> Iterator[str]:
        """Yield directories and/or files under ``dir_path``, relative to it."""
        yield from self.client.list_dir_or_file(dir_path, list_dir, list_file, suffix,
                                                recursive)
