"""``LocalBackend``: files on the local disk, through ``os`` and ``shutil``."""
from __future__ import annotations

import os
import os.path as osp
import shutil
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from mmlightning.fileio._fs import atomic_write, missing
from mmlightning.fileio.backends.base import BaseStorageBackend
from mmlightning.fileio.backends.copying import copy_file_or_tree
from mmlightning.fileio.backends.listing import check_list_args

PathLike = str | Path


class LocalBackend(BaseStorageBackend):
    """Raw local storage (``mmengine.fileio.backends.LocalBackend``).

    Paths come back as they were given (a :class:`~pathlib.Path` stays a ``Path``), as
    ``os.path`` / ``shutil`` return them. Unlike MMEngine, :meth:`put` / :meth:`put_text` are
    atomic (a temporary file in the same folder replaces the target) and errors on missing
    files name the path.
    """

    _allow_symlink = True

    def get(self, filepath: PathLike) -> bytes:
        """Read the bytes of ``filepath``.

        Raises:
            FileNotFoundError: If ``filepath`` does not exist.
            IsADirectoryError: If ``filepath`` is a directory.
        """
        try:
            with open(filepath, 'rb') as f:
                return f.read()
        except FileNotFoundError:
            raise missing(filepath) from None
        except IsADirectoryError:
            raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory, not a file; use '
                                    'list_dir_or_file to see what it holds') from None

    def get_text(self, filepath: PathLike, encoding: str = 'utf-8') -> str:
        """Read the text of ``filepath`` decoded with ``encoding``."""
        return self.get(filepath).decode(encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Write ``obj`` to ``filepath`` atomically, creating missing parent folders."""
        atomic_write(obj, os.fspath(filepath))

    def put_text(self, obj: str, filepath: PathLike, encoding: str = 'utf-8') -> None:
        """Write ``obj`` encoded with ``encoding`` to ``filepath``, like :meth:`put`."""
        self.put(obj.encode(encoding), filepath)

    def exists(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` exists (file or directory)."""
        return osp.exists(filepath)

    def isdir(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a directory."""
        return osp.isdir(filepath)

    def isfile(self, filepath: PathLike) -> bool:
        """Whether ``filepath`` is a file."""
        return osp.isfile(filepath)

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """Concatenate path components with ``os.path.join``."""
        return osp.join(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[PathLike, None, None]:
        """Yield ``filepath`` itself: a local file needs no download."""
        yield filepath

    def copyfile(self, src: PathLike, dst: PathLike) -> PathLike:
        """Copy the file ``src`` to ``dst`` (into ``dst`` if it is a directory).

        Returns:
            The destination file, as ``shutil.copy`` returns it.

        Raises:
            FileNotFoundError: If ``src`` is not a file.
            shutil.SameFileError: If ``src`` and ``dst`` are the same file.
        """
        if not osp.isfile(src):
            raise missing(src)
        return shutil.copy(src, dst)

    def copytree(self, src: PathLike, dst: PathLike) -> PathLike:
        """Recursively copy the directory ``src`` to ``dst``, which must not exist.

        Raises:
            FileNotFoundError: If ``src`` is not a directory.
            FileExistsError: If ``dst`` exists.
        """
        if not osp.isdir(src):
            raise missing(src, 'directory')
        if osp.exists(dst):
            raise FileExistsError(f'Destination {os.fspath(dst)!r} already exists; copytree '
                                  'needs a new directory name (or rmtree it first).')
        return shutil.copytree(src, dst)

    # Both ends are local: the transfers to and from the local disk are plain copies.
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
        if not osp.lexists(filepath):
            raise missing(filepath)
        if osp.isdir(filepath):
            raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory; use rmtree to '
                                    'remove a directory tree.')
        os.remove(filepath)

    def replace(self, src: PathLike, dst: PathLike) -> None:
        """Move the file ``src`` to ``dst`` with :func:`os.replace` (atomic; not in MMEngine).

        Raises:
            FileNotFoundError: If ``src`` is not a file.
        """
        if not osp.isfile(src):
            raise missing(src)
        os.replace(src, dst)

    def rmtree(self, dir_path: PathLike) -> None:
        """Recursively delete the directory ``dir_path``.

        Raises:
            FileNotFoundError: If ``dir_path`` does not exist.
            NotADirectoryError: If ``dir_path`` is a file (use :meth:`remove`).
        """
        if not osp.exists(dir_path):
            raise missing(dir_path, 'directory')
        if not osp.isdir(dir_path):
            raise NotADirectoryError(f'{os.fspath(dir_path)!r} is a file; use remove to delete '
                                     'a file.')
        shutil.rmtree(dir_path)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Symlink ``dst`` to ``src``; copy the file or tree when symlinking fails.

        Returns:
            bool: True if a symlink was made, False if ``src`` was copied.
        """
        try:
            os.symlink(src, dst)
            return True
        except Exception:  # noqa: BLE001 - any failure (permissions, filesystem) means copy
            copy_file_or_tree(self, src, dst)
            return False

    def list_dir_or_file(self,
                         dir_path: PathLike,
                         list_dir: bool = True,
                         list_file: bool = True,
                         suffix: str | tuple[str, ...] | None = None,
                         recursive: bool = False) -> Iterator[str]:
        """Yield directories and/or files under ``dir_path``, relative to it.

        Files whose name starts with ``.`` are skipped (directories are not), as MMEngine.

        Args:
            dir_path (str | Path): The directory to scan.
            list_dir (bool): Yield directories. Defaults to True.
            list_file (bool): Yield files. Defaults to True.
            suffix (str | tuple[str], optional): Only yield files ending with it; needs
                ``list_dir=False``.
            recursive (bool): Descend into subdirectories. Defaults to False.

        Raises:
            TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
            FileNotFoundError: If ``dir_path`` is not a directory.
        """
        check_list_args(list_dir, suffix)
        root = os.fspath(dir_path)
        if not osp.isdir(root):
            raise missing(dir_path, 'directory')

        def scan(folder: str) -> Iterator[str]:
            for entry in os.scandir(folder):
                rel = osp.relpath(entry.path, root)
                if entry.is_dir():
                    if list_dir:
                        yield rel
                    if recursive:
                        yield from scan(entry.path)
                elif (list_file and entry.is_file() and not entry.name.startswith('.')
                      and (suffix is None or rel.endswith(suffix))):
                    yield rel  # broken symlinks are neither: skipped

        return scan(root)
