"""The backend registry: backend names and URI prefixes -> backend classes."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from mmlightning.fileio.errors import FileioTypeError

from .base import BaseStorageBackend
from .fsspec_backend import FsspecBackend
from .http_backend import HTTPBackend
from .lmdb_backend import LmdbBackend
from .local_backend import LocalBackend
from .memcached_backend import MemcachedBackend
from .petrel_backend import PetrelBackend

BackendClass = type[BaseStorageBackend]
Prefixes = str | Sequence[str] | None

backends: dict[str, BackendClass] = {}
prefix_to_backends: dict[str, BackendClass] = {}


def _prefix_list(prefixes: Prefixes) -> list[str]:
    if prefixes is None:
        return []
    if isinstance(prefixes, str):
        return [prefixes]
    if not isinstance(prefixes, (list, tuple)):
        raise FileioTypeError(f'prefixes must be a str, a list or a tuple of str, got '
                        f'{type(prefixes).__name__}: {prefixes!r}')
    return list(prefixes)


def check_registration(name: object, backend: object) -> None:
    """Raise a TypeError unless ``name`` is a str and ``backend`` a backend class."""
    if not isinstance(name, str):
        raise TypeError(f'the backend name should be a string, but got {type(name)}')
    if not inspect.isclass(backend):
        raise TypeError(f'backend should be a class, but got {type(backend)}')
    if not issubclass(backend, BaseStorageBackend):
        raise TypeError(f'backend {backend} is not a subclass of BaseStorageBackend')


def _register_backend(name: str, backend: BackendClass, force: bool = False,
                      prefixes: Prefixes = None) -> None:
    check_registration(name, backend)
    if name in backends and not force:
        raise ValueError(f'{name} is already registered as a storage backend, add "force=True" '
                         'if you want to override it')
    prefix_list = _prefix_list(prefixes)
    for prefix in prefix_list:
        if prefix in prefix_to_backends and not force:
            raise ValueError(f'{prefix} is already registered as a storage backend, add '
                             '"force=True" if you want to override it')
    backends[name] = backend
    for prefix in prefix_list:
        prefix_to_backends[prefix] = backend


def register_backend(name: str, backend: BackendClass | None = None, force: bool = False,
                     prefixes: Prefixes = None) -> Callable[[BackendClass], BackendClass] | None:
    """Register a storage backend under ``name`` (and the URI ``prefixes`` it serves).

    Usable as a call, ``register_backend('new', NewBackend)``, or as a class decorator,
    ``@register_backend('new', prefixes='new')``.

    Args:
        name (str): The backend name, for ``backend_args=dict(backend=name)``.
        backend (type, optional): A subclass of :class:`BaseStorageBackend`. None when used as
            a decorator.
        force (bool): Override a backend (or prefix) already registered. Defaults to False.
        prefixes (str | list[str] | tuple[str], optional): URI prefixes (``'s3'`` for
            ``s3://...``) served by the backend.

    Raises:
        TypeError: If ``name`` is not a str or ``backend`` not a backend class.
        ValueError: If ``name`` or a prefix is taken and ``force`` is False.
    """
    if backend is not None:
        _register_backend(name, backend, force=force, prefixes=prefixes)
        return None

    def _register(backend_cls: BackendClass) -> BackendClass:
        _register_backend(name, backend_cls, force=force, prefixes=prefixes)
        return backend_cls

    return _register


register_backend('local', LocalBackend, prefixes='')
register_backend('memcached', MemcachedBackend)
register_backend('lmdb', LmdbBackend)
register_backend('petrel', PetrelBackend, prefixes=['petrel', 's3'])
register_backend('http', HTTPBackend, prefixes=['http', 'https'])
register_backend('fsspec', FsspecBackend)
