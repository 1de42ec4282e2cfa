"""MMEngine's unified file functions (``mmengine.fileio.io``) and ``get_file_backend``.

Each function picks a storage backend with :func:`get_file_backend` (from the path's prefix,
or the ``backend`` named in ``backend_args``) and calls the backend's method of the same name,
as in MMEngine. Local paths use :class:`~mmlightning.fileio.backends.LocalBackend`, http(s)
:class:`~mmlightning.fileio.backends.HTTPBackend`; every other URL fsspec knows (``memory://``,
``s3://``, ``gs://``...) uses :class:`~mmlightning.fileio.backends.FsspecBackend`, and
``backend_args=dict(storage_options={...})`` passes fsspec filesystem arguments. ``copyfile``
and ``copytree`` between two filesystems (local to remote, remote to local, or two fsspec
protocols) also work.
"""
from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import fsspec

from mmlightning.fileio.backends import (
    BaseStorageBackend,
    FsspecBackend,
    PetrelBackend,
    backends,
    prefix_to_backends,
)
from mmlightning.fileio.backends.petrel_backend import petrel_installed
from mmlightning.fileio.handlers import file_handlers, register_handler  # noqa: F401
from mmlightning.fileio.uri import uri_prefix

PathLike = str | Path
BackendArgs = Mapping[str, Any] | None

backend_instances: dict[str, BaseStorageBackend] = {}


def _parse_uri_prefix(uri: str | Path) -> str:
    """The prefix of ``uri`` (``'s3'`` for ``s3://...`` and ``cluster:s3://...``), else ``''``.

    Raises:
        FileioTypeError: If ``uri`` is neither a str nor a Path (also an AssertionError).
    """
    return uri_prefix(uri) or ''


def _backend_class(prefix: str, backend_args: Mapping[str, Any]) -> type[BaseStorageBackend]:
    if 'backend' in backend_args:
        name = backend_args['backend']
        if name not in backends:
            raise ValueError(f'Backend {name!r} is not registered; registered ones are '
                             f'{sorted(backends)} (add one with register_backend).')
        return backends[name]
    if 'storage_options' in backend_args:
        return FsspecBackend
    backend = prefix_to_backends.get(prefix)
    if backend is PetrelBackend and prefix == 's3' and not petrel_installed():
        return FsspecBackend  # s3:// without petrel_client: plain S3 through s3fs
    if backend is not None:
        return backend
    if prefix in fsspec.available_protocols():
        return FsspecBackend
    raise ValueError(f'No storage backend serves the prefix {prefix!r}://: register one with '
                     'register_backend(..., prefixes=...) or install an fsspec implementation '
                     f'for it (known: {sorted(prefix_to_backends)} and fsspec\'s protocols).')


def _create(prefix: str, backend_args: Mapping[str, Any]) -> BaseStorageBackend:
    kwargs = {k: v for k, v in backend_args.items() if k != 'backend'}
    return _backend_class(prefix, backend_args)(**kwargs)


def get_file_backend(uri: str | Path | None = None,
                     *,
                     backend_args: Mapping[str, Any] | None = None,
                     enable_singleton: bool = False) -> BaseStorageBackend:
    """Return the storage backend for ``uri``'s prefix, or the one ``backend_args`` names.

    As MMEngine: ``backend_args=dict(backend=name, **kwargs)`` builds ``backends[name](**kwargs)``
    whatever ``uri`` is; otherwise the prefix decides (none: :class:`LocalBackend`; ``http``/
    ``https``: :class:`HTTPBackend`; ``petrel``: :class:`PetrelBackend`), with ``backend_args``
    as the backend's arguments. mmlightning adds :class:`FsspecBackend` for every other prefix
    fsspec knows, for ``s3`` when ``petrel_client`` is not installed, and whenever
    ``backend_args`` holds ``storage_options`` (fsspec filesystem arguments).

    Args:
        uri (str | Path, optional): A path or URL.
        backend_args (dict, optional): The backend name and/or its arguments (not modified).
        enable_singleton (bool): Reuse the backend created earlier for the same prefix and
            arguments. Defaults to False.

    Returns:
        BaseStorageBackend: The backend.

    Raises:
        ValueError: If ``uri`` is None and ``backend_args`` names no backend, or no backend
            serves the prefix.
        TypeError: If ``backend_args`` is not a dict.
    """
    if backend_args is None:
        backend_args = {}
    if not isinstance(backend_args, Mapping):
        raise TypeError(f'backend_args must be a dict or None, got '
                        f'{type(backend_args).__name__}: {backend_args!r}')
    if uri is None and 'backend' not in backend_args:
        raise ValueError('uri should not be None when "backend" does not exist in backend_args')
    prefix = '' if uri is None else _parse_uri_prefix(uri)
    if not enable_singleton:
        return _create(prefix, backend_args)
    key = f'{prefix}:{json.dumps(backend_args, default=repr)}'
    if key not in backend_instances:
        backend_instances[key] = _create(prefix, backend_args)
    return backend_instances[key]


def _backend(filepath: PathLike, backend_args: BackendArgs) -> Any:
    return get_file_backend(filepath, backend_args=backend_args, enable_singleton=True)


def get(filepath: PathLike, backend_args: BackendArgs = None) -> bytes:
    """Read the bytes of ``filepath``.

    Raises:
        FileNotFoundError: If ``filepath`` does not exist.
        IsADirectoryError: If ``filepath`` is a directory.
    """
    return _backend(filepath, backend_args).get(filepath)


def get_text(filepath: PathLike, encoding: str = 'utf-8', backend_args: BackendArgs = None) -> str:
    """Read the text of ``filepath`` decoded with ``encoding``.

    Raises:
        FileNotFoundError: If ``filepath`` is not a file.
    """
    return _backend(filepath, backend_args).get_text(filepath, encoding)


def put(obj: bytes, filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Write ``obj`` to ``filepath``, creating missing parent folders.

    Local writes are atomic: a temporary file in the same folder replaces ``filepath``.
    """
    _backend(filepath, backend_args).put(obj, filepath)


def put_text(obj: str, filepath: PathLike, encoding: str = 'utf-8',
             backend_args: BackendArgs = None) -> None:
    """Write ``obj`` encoded with ``encoding`` to ``filepath``, like :func:`put`."""
    _backend(filepath, backend_args).put_text(obj, filepath, encoding)


def exists(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` exists (file or directory)."""
    return _backend(filepath, backend_args).exists(filepath)


def isdir(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a directory."""
    return _backend(filepath, backend_args).isdir(filepath)


def isfile(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a file."""
    return _backend(filepath, backend_args).isfile(filepath)


def join_path(filepath: PathLike, *filepaths: PathLike, backend_args: BackendArgs = None) -> str:
    """Concatenate path components: ``os.path.join`` locally, ``/``-joined for URLs."""
    return _backend(filepath, backend_args).join_path(filepath, *filepaths)


@contextmanager
def get_local_path(filepath: PathLike,
                   backend_args: BackendArgs = None) -> Generator[PathLike, None, None]:
    """Context manager yielding a local path holding the content of ``filepath``.

    A local ``filepath`` is yielded as a str, unchecked (and never removed), as in MMEngine.
    A remote one is downloaded to a temporary file removed when the block ends.

    Raises:
        FileNotFoundError: If a remote ``filepath`` is not a file.
    """
    with _backend(filepath, backend_args).get_local_path(str(filepath)) as local_path:
        yield local_path


def _across(src: PathLike, dst: PathLike, backend_args: BackendArgs) -> str | None:
    """How to copy ``src`` to ``dst`` when they are on different filesystems.

    Returns ``'from_local'``, ``'to_local'``, ``'fsspec'`` (two fsspec protocols), or None
    when both live on the same filesystem or ``backend_args`` names the backend.
    """
    if backend_args and 'backend' in backend_args:
        return None
    src_prefix, dst_prefix = _parse_uri_prefix(src), _parse_uri_prefix(dst)
    if src_prefix == dst_prefix:
        return None
    if src_prefix == '':
        return 'from_local'
    if dst_prefix == '':
        return 'to_local'
    return 'fsspec'


def copyfile(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> PathLike:
    """Copy the file ``src`` to ``dst``; into ``dst/<name of src>`` if ``dst`` is a directory.

    Same filesystem: the backend of ``src`` copies (locally, ``shutil.copy``'s result is
    returned, a ``Path`` for a ``Path``). Different filesystems: as
    :func:`copyfile_from_local` / :func:`copyfile_to_local`, or through fsspec.

    Raises:
        FileNotFoundError: If ``src`` is not a file.
        shutil.SameFileError: If ``src`` and ``dst`` are the same file.
    """
    across = _across(src, dst, backend_args)
    if across == 'from_local':
        return copyfile_from_local(src, dst, backend_args)
    if across == 'to_local':
        return copyfile_to_local(src, dst, backend_args)
    if across == 'fsspec':
        return FsspecBackend(**dict(backend_args or {})).copyfile(src, dst)
    return _backend(src, backend_args).copyfile(src, dst)


def copytree(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> PathLike:
    """Recursively copy the directory ``src`` to ``dst``, which must not exist yet.

    As :func:`copyfile`, ``src`` and ``dst`` may live on different filesystems.

    Raises:
        FileNotFoundError: If ``src`` is not a directory.
        FileExistsError: If ``dst`` already exists.
    """
    across = _across(src, dst, backend_args)
    if across == 'from_local':
        return copytree_from_local(src, dst, backend_args)
    if across == 'to_local':
        return copytree_to_local(src, dst, backend_args)
    if across == 'fsspec':
        return FsspecBackend(**dict(backend_args or {})).copytree(src, dst)
    return _backend(src, backend_args).copytree(src, dst)


def copyfile_from_local(src: PathLike, dst: PathLike,
                        backend_args: BackendArgs = None) -> PathLike:
    """Copy the local file ``src`` to ``dst`` with ``dst``'s backend.

    Returns:
        The destination file (into ``dst`` if it is a directory).
    """
    return _backend(dst, backend_args).copyfile_from_local(src, dst)


def copytree_from_local(src: PathLike, dst: PathLike,
                        backend_args: BackendArgs = None) -> PathLike:
    """Copy the local directory ``src`` to ``dst`` (which must not exist), ``dst``'s backend."""
    return _backend(dst, backend_args).copytree_from_local(src, dst)


def copyfile_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> PathLike:
    """Copy the file ``src`` to the local ``dst`` with ``src``'s backend."""
    return _backend(src, backend_args).copyfile_to_local(src, dst)


def copytree_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> PathLike:
    """Copy the directory ``src`` to the local ``dst`` with ``src``'s backend."""
    return _backend(src, backend_args).copytree_to_local(src, dst)


def remove(filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Remove the file ``filepath``.

    Raises:
        FileNotFoundError: If ``filepath`` does not exist.
        IsADirectoryError: If ``filepath`` is a directory (use :func:`rmtree`).
    """
    _backend(filepath, backend_args).remove(filepath)


def replace(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> None:
    """Move the file ``src`` to ``dst`` on the same filesystem, replacing ``dst``.

    Not in MMEngine. Locally this is :func:`os.replace`, atomic: ``dst`` holds the old or the
    new file, never a partial one. On object stores it is the filesystem's move (a copy then a
    delete), where ``dst`` appears only once complete.

    Raises:
        FileNotFoundError: If ``src`` is not a file.
        ValueError: If ``src`` and ``dst`` are on different filesystems.
    """
    if _parse_uri_prefix(src) != _parse_uri_prefix(dst):
        raise ValueError(f'replace: {str(src)!r} and {str(dst)!r} are on different '
                         'filesystems; use copyfile, then remove')
    backend = _backend(src, backend_args)
    if not hasattr(backend, 'replace'):
        raise NotImplementedError(f'{backend.name} cannot move files; use copyfile, then '
                                  'remove')
    backend.replace(src, dst)


def rmtree(dir_path: PathLike, backend_args: BackendArgs = None) -> None:
    """Recursively delete the directory ``dir_path``.

    Raises:
        FileNotFoundError: If ``dir_path`` does not exist.
        NotADirectoryError: If ``dir_path`` is a file (use :func:`remove`).
    """
    _backend(dir_path, backend_args).rmtree(dir_path)


def copy_if_symlink_fails(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> bool:
    """Symlink ``dst`` to ``src``, or copy (file or tree) when the backend cannot link.

    Returns:
        bool: True if a symlink was made, False if ``src`` was copied.
    """
    return _backend(src, backend_args).copy_if_symlink_fails(src, dst)


def list_dir_or_file(dir_path: PathLike,
                     list_dir: bool = True,
                     list_file: bool = True,
                     suffix: str | tuple[str, ...] | None = None,
                     recursive: bool = False,
                     backend_args: BackendArgs = None) -> Iterator[str]:
    """Yield directories and/or files under ``dir_path`` as paths relative to it.

    Files whose name starts with ``.`` are skipped (directories are not), as MMEngine's local
    backend does; the order is the filesystem's.

    Args:
        dir_path (str | Path): The directory to scan.
        list_dir (bool): Yield directories. Defaults to True.
        list_file (bool): Yield files. Defaults to True.
        suffix (str | tuple[str], optional): Only yield files ending with it. Needs
            ``list_dir=False``. Defaults to None.
        recursive (bool): Descend into subdirectories. Defaults to False.
        backend_args (dict, optional): See :func:`get_file_backend`.

    Raises:
        TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
        FileNotFoundError: If ``dir_path`` is not a directory.
    """
    yield from _backend(dir_path, backend_args).list_dir_or_file(
        dir_path, list_dir, list_file, suffix, recursive)


def generate_presigned_url(url: str, client_method: str = 'get_object', expires_in: int = 3600,
                           backend_args: BackendArgs = None) -> str:
    """A presigned URL for ``url``, valid ``expires_in`` seconds (Petrel backends only).

    Raises:
        AttributeError: If the backend serving ``url`` cannot presign URLs.
    """
    backend = _backend(url, backend_args)
    if not hasattr(backend, 'generate_presigned_url'):
        raise AttributeError(f'{backend.name} cannot generate presigned URLs (only '
                             f'PetrelBackend can); got {url!r}')
    return backend.generate_presigned_url(url, client_method, expires_in)
