"""``PetrelBackend``: Ceph / S3 storage through SenseTime's ``petrel_client``."""
from __future__ import annotations

import os
import os.path as osp
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import SameFileError

from mmlightning.fileio.backends.base import BaseStorageBackend
from mmlightning.fileio.backends.copying import CopyInsteadOfSymlink
from mmlightning.fileio.backends.listing import check_list_args
from mmlightning.fileio.backends.temp_copy import temporary_file
from mmlightning.fileio.errors import FileioTypeError

PathLike = str | Path


def petrel_installed() -> bool:
    """Whether ``petrel_client`` can be imported."""
    try:
        import petrel_client  # noqa: F401
    except ImportError:
        return False
    return True


class PetrelBackend(CopyInsteadOfSymlink, BaseStorageBackend):
    """Petrel storage (``mmengine.fileio.backends.PetrelBackend``).

    ``petrel://bucket/key`` and ``s3://bucket/key`` both name objects; the client always
    receives the ``s3://`` spelling. ``petrel_client`` is not on PyPI: without it, creating
    the backend raises, and :func:`mmlightning.fileio.get_file_backend` serves ``s3://`` with
    fsspec (s3fs) instead.

    Args:
        path_mapping (dict, optional): Substrings replaced (first occurrence) in every path,
            e.g. ``{'data/': 's3://bucket/data/'}``.
        enable_mc (bool): Let the client cache in memcached. Defaults to True.
        conf_path (str, optional): The client configuration file.

    Raises:
        ImportError: If ``petrel_client`` is not installed.
        FileioTypeError: If ``path_mapping`` is neither a dict nor None (a ``TypeError``
            and an ``AssertionError``).
    """

    def __init__(self, path_mapping: dict | None = None, enable_mc: bool = True,
                 conf_path: str | None = None) -> None:
        try:
            from petrel_client import client
        except ImportError:
            raise ImportError('Please install petrel_client to enable PetrelBackend.') from None
        if path_mapping is not None and not isinstance(path_mapping, dict):
            raise FileioTypeError(f'path_mapping must be a dict or None, got '
                            f'{type(path_mapping).__name__}: {path_mapping!r}')
        self._client = client.Client(conf_path=conf_path, enable_mc=enable_mc)
        self.path_mapping = path_mapping

    # Path spelling: mapped, then forward slashes, then the s3:// prefix the client expects.
    def _map_path(self, filepath: PathLike) -> str:
        path = str(filepath)
        for old, new in (self.path_mapping or {}).items():
            path = path.replace(old, new, 1)
        return path

    def _format_path(self, filepath: str) -> str:
        return re.sub(r'\\+', '/', filepath)

    def _replace_prefix(self, filepath: PathLike) -> str:
        return str(filepath).replace('petrel://', 's3://')

    def _normalize(self, filepath: PathLike) -> str:
        return self._format_path(self._map_path(filepath))

    def _key(self, filepath: PathLike) -> str:
        return self._replace_prefix(self._normalize(filepath))

    def _require(self, *methods: str) -> None:
        missing = [m for m in methods if not callable(getattr(self._client, m, None))]
        if missing:
            names = ' and '.join(f'`{m}`' for m in methods)
            raise NotImplementedError(
                f'Current version of Petrel Python SDK has not supported the {names} '
                f'method{"s" if len(methods) > 1 else ""}, please use a higher version or dev '
                'branch instead.')

    def get(self, filepath: PathLike) -> bytes:
        """Read the bytes of ``filepath``."""
        return self._client.Get(self._key(filepath))

    def get_text(self, filepath: PathLike, encoding: str = 'utf-8') -> str:
        """Read the text of ``filepath`` decoded with ``encoding``."""
        return str(self.get(filepath), encoding=encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath``."""
        self._client.put(self._key(filepath), obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = 'utf-8') -> None:
        """Write ``obj`` encoded with ``encoding`` to ``filepath``."""
        self.put(obj.encode(encoding), filepath)

    def exists(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is an object or a directory (a key prefix)."""
        self._require('contains', 'isdir')
        key = self._key(filepath)
        return self._client.contains(key) or self._client.isdir(key)

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory (a key prefix)."""
        self._require('isdir')
        return self._client.isdir(self._key(filepath))

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is an object."""
        self._require('contains')
        return self._client.contains(self._key(filepath))

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """Join with ``/``, dropping the slashes between components."""
        head = self._normalize(filepath)
        head = head[:-1] if head.endswith('/') else head
        return '/'.join([head] + [self._normalize(p).lstrip('/') for p in filepaths])

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[str, None, None]:
        """Download ``filepath`` to a temporary file (removed when the block ends).

        Raises:
            FileNotFoundError: If ``filepath`` is not an object.
        """
        if not self.isfile(filepath):
            raise FileNotFoundError(f'No such file: {str(filepath)!r}')
        with temporary_file(self.get(filepath)) as path:
            yield path

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy the object ``src`` to ``dst`` (into ``dst`` if it is a directory).

        Raises:
            SameFileError: If ``src`` and ``dst`` are the same object.
        """
        src, dst = self._normalize(src), self._normalize(dst)
        if self.isdir(dst):
            dst = self.join_path(dst, src.split('/')[-1])
        if src == dst:
            raise SameFileError(f'src and dst should not be same: {src!r}')
        self.put(self.get(src), dst)
        return dst

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Copy every object under ``src`` to ``dst``, which must not exist.

        Raises:
            FileExistsError: If ``dst`` exists.
        """
        src, dst = self._normalize(src), self._normalize(dst)
        if self.exists(dst):
            raise FileExistsError(f'dst should not exist: {dst!r}')
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            self.put(self.get(self.join_path(src, rel)), self.join_path(dst, rel))
        return dst

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload the local file ``src`` to ``dst`` (into ``dst`` if it is a directory)."""
        dst = self._normalize(dst)
        if self.isdir(dst):
            dst = self.join_path(dst, osp.basename(src))
        with open(src, 'rb') as f:
            self.put(f.read(), dst)
        return dst

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload every file under the local directory ``src`` to ``dst`` (must not exist).

        Raises:
            FileExistsError: If ``dst`` exists.
        """
        dst = self._normalize(dst)
        if self.exists(dst):
            raise FileExistsError(f'dst should not exist: {dst!r}')
        root = str(src)
        for folder, _, files in os.walk(root):
            for name in files:
                path = osp.join(folder, name)
                self.copyfile_from_local(path, self.join_path(dst, osp.relpath(path, root)))
        return dst

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        """Download ``src`` to the local ``dst`` (into ``dst`` if it is a directory).

        Returns:
            The local file, a ``Path`` when ``dst`` is one.
        """
        if osp.isdir(dst):
            name = osp.basename(str(src))
            dst = dst / name if isinstance(dst, Path) else osp.join(dst, name)
        with open(dst, 'wb') as f:
            f.write(self.get(src))
        return dst

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> PathLike:
        """Download every object under ``src`` into the local directory ``dst``."""
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            target = osp.join(dst, rel)
            os.makedirs(osp.dirname(target), exist_ok=True)
            with open(target, 'wb') as f:
                f.write(self.get(self.join_path(src, rel)))
        return dst

    def remove(self, filepath: PathLike) -> None:
        """Delete the object ``filepath``.

        Raises:
            FileNotFoundError: If it does not exist.
            IsADirectoryError: If it is a directory (use :meth:`rmtree`).
        """
        self._require('delete')
        if not self.exists(filepath):
            raise FileNotFoundError(f'filepath {filepath} does not exist')
        if self.isdir(filepath):
            raise IsADirectoryError(f'filepath should be a file, got the directory {filepath}; '
                                    'use rmtree')
        self._client.delete(self._key(filepath))

    def rmtree(self, dir_path: PathLike) -> None:
        """Delete every object under ``dir_path``."""
        for rel in self.list_dir_or_file(dir_path, list_dir=False, recursive=True):
            self.remove(self.join_path(dir_path, rel))

    def list_dir_or_file(self,
                         dir_path: PathLike,
                         list_dir: bool = True,
                         list_file: bool = True,
                         suffix: str | tuple[str, ...] | None = None,
                         recursive: bool = False) -> Iterator[str]:
        """Yield directories and/or objects under ``dir_path``, relative to it.

        Raises:
            TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
        """
        self._require('list')
        check_list_args(list_dir, suffix, '`list_dir` should be False when `suffix` is not '
                        'None; pass list_dir=False to filter files by suffix')
        root = self._key(dir_path).rstrip('/') + '/'

        def scan(folder: str) -> Iterator[str]:
            for entry in self._client.list(folder):
                path = self.join_path(folder, entry)
                if entry.endswith('/'):
                    if list_dir:
                        yield path[len(root):-1]
                    if recursive:
                        yield from scan(path)
                elif list_file and (suffix is None or path.endswith(suffix)):
                    yield path[len(root):]

        return scan(root)

    def generate_presigned_url(self, url: str, client_method: str = 'get_object',
                               expires_in: int = 3600) -> str:
        """A presigned URL of ``url`` for ``client_method`` valid ``expires_in`` seconds."""
        return self._client.generate_presigned_url(url, client_method, expires_in)

