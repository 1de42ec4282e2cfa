"""``FsspecBackend``: any filesystem fsspec knows (``memory://``, ``s3://``, ``gs://``, ...)."""
from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fsspec import AbstractFileSystem

from mmlightning.fileio._fs import PathLike, atomic_write, is_local, missing, resolve
from mmlightning.fileio.backends.base import BaseStorageBackend
from mmlightning.fileio.backends.copying import CopyInsteadOfSymlink
from mmlightning.fileio.backends.listing import check_list_args


class FsspecBackend(CopyInsteadOfSymlink, BaseStorageBackend):
    """A storage backend on fsspec: the filesystem is picked from each path's protocol.

    Not in MMEngine. :func:`mmlightning.fileio.get_file_backend` gives it for every URI prefix
    no other backend is registered for (and for ``s3://`` when ``petrel_client`` is not
    installed). Local paths work too (fsspec's local filesystem), so it can copy between the
    local disk and a remote store in both directions.

    Args:
        storage_options (dict, optional): Keyword arguments of the fsspec filesystem
            (credentials, endpoint, ...).
    """

    def __init__(self, storage_options: Mapping[str, Any] | None = None) -> None:
        if storage_options is not None and not isinstance(storage_options, Mapping):
            raise TypeError("backend_args['storage_options'] must be a dict of fsspec "
                            f'filesystem arguments, got {type(storage_options).__name__}: '
                            f'{storage_options!r}')
        self.storage_options = dict(storage_options or {})

    def _resolve(self, filepath: PathLike) -> tuple[AbstractFileSystem, str]:
        return resolve(filepath, self.storage_options)

    def get(self, filepath: PathLike) -> bytes:
        """Read the bytes of ``filepath``.

        Raises:
            FileNotFoundError: If ``filepath`` does not exist.
            IsADirectoryError: If ``filepath`` is a directory.
        """
        fs, path = self._resolve(filepath)
        try:
            return fs.cat_file(path)
        except (FileNotFoundError, IsADirectoryError):
            if fs.isdir(path):
                raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory, not a file; '
                                        'use list_dir_or_file to see what it holds') from None
            raise missing(filepath) from None

    def get_text(self, filepath: PathLike, encoding: str = 'utf-8') -> str:
        """Read the text of ``filepath`` decoded with ``encoding``."""
        return self.get(filepath).decode(encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath``, creating missing parent folders (atomic locally)."""
        fs, path = self._resolve(filepath)
        if is_local(fs):
            atomic_write(obj, path)
            return
        parent = posixpath.dirname(path.rstrip('/'))
        if parent and not fs.exists(parent):
            fs.makedirs(parent, exist_ok=True)
        fs.pipe_file(path, obj)

    def put_text(self, obj: str, filepath: PathLike, encoding: str = 'utf-8') -> None:
        """Write ``obj`` encoded with ``encoding`` to ``filepath``, like :meth:`put`."""
        self.put(obj.encode(encoding), filepath)

    def exists(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` exists (file or directory)."""
        fs, path = self._resolve(filepath)
        return fs.exists(path)

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory."""
        fs, path = self._resolve(filepath)
        return fs.isdir(path)

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a file."""
        fs, path = self._resolve(filepath)
        return fs.isfile(path)

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """Concatenate path components: ``os.path.join`` locally, ``/``-joined for URLs."""
        if '://' not in os.fspath(filepath):
            return os.path.join(filepath, *filepaths)
        parts = [os.fspath(filepath).rstrip('/')]
        parts += [os.fspath(p).lstrip('/') for p in filepaths]
        return '/'.join(parts)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[PathLike, None, None]:
        """Yield a local path holding the content of ``filepath``.

        A local ``filepath`` is yielded as is; a remote one is downloaded to a temporary
        file (same suffix), removed when the block ends.

        Raises:
            FileNotFoundError: If a remote ``filepath`` is not a file.
        """
        fs, path = self._resolve(filepath)
        if is_local(fs):
            yield filepath if '://' not in os.fspath(filepath) else path
            return
        if not fs.isfile(path):
            raise missing(filepath)
        fd, tmp = tempfile.mkstemp(suffix=posixpath.splitext(path)[1])
        os.close(fd)
        try:
            fs.get_file(path, tmp)
            yield tmp
        finally:
            os.remove(tmp)

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy the file ``src`` to ``dst`` (into ``dst`` if it is a directory).

        ``src`` and ``dst`` may live on different filesystems; the bytes then pass through
        this process.

        Returns:
            str: The destination file.

        Raises:
            FileNotFoundError: If ``src`` is not a file.
            shutil.SameFileError: If ``src`` and ``dst`` are the same file.
        """
        src_fs, src_path = self._resolve(src)
        dst_fs, dst_path = self._resolve(dst)
        if not src_fs.isfile(src_path):
            raise missing(src)
        if is_local(src_fs) and is_local(dst_fs):
            return shutil.copy(src_path, dst_path)
        target = os.fspath(dst)
        if dst_fs.isdir(dst_path):
            name = posixpath.basename(src_path)
            target, dst_path = self.join_path(target, name), posixpath.join(dst_path, name)
        if dst_fs is not src_fs:
            self.put(src_fs.cat_file(src_path), target)
            return target
        if src_fs._strip_protocol(src_path) == src_fs._strip_protocol(dst_path):
            raise shutil.SameFileError(f'{os.fspath(src)!r} and {target!r} are the same file')
        src_fs.cp_file(src_path, dst_path)
        return target

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Recursively copy the directory ``src`` to ``dst``, which must not exist.

        As :meth:`copyfile`, ``src`` and ``dst`` may live on different filesystems.

        Returns:
            str: The destination directory.

        Raises:
            FileNotFoundError: If ``src`` is not a directory.
            FileExistsError: If ``dst`` exists.
        """
        src_fs, src_path = self._resolve(src)
        dst_fs, dst_path = self._resolve(dst)
        if not src_fs.isdir(src_path):
            raise missing(src, 'directory')
        if dst_fs.exists(dst_path):
            raise FileExistsError(f'Destination {os.fspath(dst)!r} already exists; copytree '
                                  'needs a new directory name (or rmtree it first).')
        if is_local(src_fs) and is_local(dst_fs):
            return shutil.copytree(src_path, dst_path)
        root = src_fs._strip_protocol(src_path).rstrip('/')
        dst_fs.makedirs(dst_path, exist_ok=True)
        for name, info in sorted(src_fs.find(root, withdirs=True, detail=True).items()):
            rel = posixpath.relpath(name, root)
            if rel == '.':
                continue
            target = self.join_path(dst, *rel.split('/'))
            if info['type'] == 'directory':
                dst_fs.makedirs(self._resolve(target)[1], exist_ok=True)
            elif dst_fs is src_fs:
                src_fs.cp_file(name, posixpath.join(dst_path, rel))
            else:
                self.put(src_fs.cat_file(name), target)
        return os.fspath(dst)

    # copyfile / copytree already handle a local end on either side.
    copyfile_from_local = copyfile
    copyfile_to_local = copyfile
    copytree_from_local = copytree
    copytree_to_local = copytree

    def remove(self, filepath: PathLike) -> None:
        """Remove the file ``filepath``.

        Raises:
            FileNotFoundError: If ``filepath`` does not exist.
            IsADirectoryError: If ``filepath`` is a directory (use :meth:`rmtree`).
        """
        fs, path = self._resolve(filepath)
        if not fs.exists(path):
            raise missing(filepath)
        if fs.isdir(path):
            raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory; use rmtree to '
                                    'remove a directory tree.')
        fs.rm_file(path)

    def replace(self, src: PathLike, dst: PathLike) -> None:
        """Move the file ``src`` to ``dst`` on its filesystem (not in MMEngine).

        Locally :func:`os.replace` (atomic); on object stores the filesystem's move.

        Raises:
            FileNotFoundError: If ``src`` is not a file.
        """
        src_fs, src_path = self._resolve(src)
        _, dst_path = self._resolve(dst)
        if not src_fs.isfile(src_path):
            raise missing(src)
        if is_local(src_fs):
            os.replace(src_path, dst_path)
        else:
            src_fs.mv(src_path, dst_path)

    def rmtree(self, dir_path: PathLike) -> None:
        """Recursively delete the directory ``dir_path``.

        Raises:
            FileNotFoundError: If ``dir_path`` does not exist.
            NotADirectoryError: If ``dir_path`` is a file (use :meth:`remove`).
        """
        fs, path = self._resolve(dir_path)
        if not fs.exists(path):
            raise missing(dir_path, 'directory')
        if not fs.isdir(path):
            raise NotADirectoryError(f'{os.fspath(dir_path)!r} is a file; use remove to delete '
                                     'a file.')
        if is_local(fs):
            shutil.rmtree(path)
        else:
            fs.rm(path, recursive=True)

    def list_dir_or_file(self,
                         dir_path: PathLike,
                         list_dir: bool = True,
                         list_file: bool = True,
                         suffix: str | tuple[str, ...] | None = None,
                         recursive: bool = False) -> Iterator[str]:
        """Yield directories and/or files under ``dir_path``, relative to it (``/``-joined).

        As :class:`LocalBackend`: files whose name starts with ``.`` are skipped.

        Raises:
            TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
            FileNotFoundError: If ``dir_path`` is not a directory.
        """
        check_list_args(list_dir, suffix)
        fs, path = self._resolve(dir_path)
        sep_join = os.path.join if is_local(fs) else posixpath.join
        if not fs.isdir(path):
            raise missing(dir_path, 'directory')

        def scan(folder: str, prefix: str) -> Iterator[str]:
            for info in fs.ls(folder, detail=True):
                name = posixpath.basename(info['name'].rstrip('/'))
                rel = sep_join(prefix, name) if prefix else name
                kind = info['type']
                if kind == 'other':  # a symlink: follow it, as os.scandir + os.path.isdir do
                    kind = 'directory' if fs.isdir(info['name']) else 'file'
                    if kind == 'file' and not fs.isfile(info['name']):
                        continue  # broken link
                if kind == 'directory':
                    if list_dir:
                        yield rel
                    if recursive:
                        yield from scan(info['name'], rel)
                elif list_file and not name.startswith('.') and (suffix is None
                                                                 or rel.endswith(suffix)):
                    yield rel

        return scan(path, '')
