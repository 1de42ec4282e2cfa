"""MMEngine's file functions (``mmengine.fileio.io``) on fsspec: any URL fsspec knows works.

Every function takes ``backend_args`` for signature compatibility with MMEngine. fsspec picks the
filesystem from the path's protocol, so MMEngine's backend selection keys (``backend``,
``path_mapping``, ...) are ignored; only ``backend_args=dict(storage_options={...})`` is used, as
the keyword arguments of the fsspec filesystem (credentials, endpoints, ...).
"""
from __future__ import annotations

import os
import os.path as osp
import posixpath
import shutil
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from mmlightning.fileio._fs import (
    PathLike,
    atomic_write,
    is_local,
    missing,
    resolve,
    storage_options,
)

BackendArgs = dict | None


def get(filepath: PathLike, backend_args: BackendArgs = None) -> bytes:
    """Read the bytes of ``filepath``.

    Raises:
        FileNotFoundError: If ``filepath`` does not exist.
        IsADirectoryError: If ``filepath`` is a directory.
    """
    fs, path = resolve(filepath, backend_args)
    try:
        return fs.cat_file(path)
    except (FileNotFoundError, IsADirectoryError):
        if fs.isdir(path):
            raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory, not a file; '
                                    'use list_dir_or_file to see what it holds') from None
        raise missing(filepath) from None


def get_text(filepath: PathLike, encoding: str = 'utf-8', backend_args: BackendArgs = None) -> str:
    """Read the text of ``filepath`` decoded with ``encoding``.

    Raises:
        FileNotFoundError: If ``filepath`` is not a file.
    """
    return get(filepath, backend_args).decode(encoding)


def put(obj: bytes, filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Write ``obj`` to ``filepath``, creating missing parent folders.

    Local writes are atomic: a temporary file in the same folder replaces ``filepath``.
    """
    fs, path = resolve(filepath, backend_args)
    if is_local(fs):
        atomic_write(obj, path)
        return
    parent = posixpath.dirname(path.rstrip('/'))
    if parent and not fs.exists(parent):
        fs.makedirs(parent, exist_ok=True)
    fs.pipe_file(path, obj)


def put_text(obj: str, filepath: PathLike, encoding: str = 'utf-8',
             backend_args: BackendArgs = None) -> None:
    """Write ``obj`` encoded with ``encoding`` to ``filepath``, like :func:`put`."""
    put(obj.encode(encoding), filepath, backend_args)


def exists(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` exists (file or directory)."""
    fs, path = resolve(filepath, backend_args)
    return fs.exists(path)


def isdir(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a directory."""
    fs, path = resolve(filepath, backend_args)
    return fs.isdir(path)


def isfile(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    """Whether ``filepath`` is a file."""
    fs, path = resolve(filepath, backend_args)
    return fs.isfile(path)


def join_path(filepath: PathLike, *filepaths: PathLike, backend_args: BackendArgs = None) -> str:
    """Concatenate path components: ``os.path.join`` locally, ``/``-joined for URLs.

    Returns:
        str: The joined path.
    """
    storage_options(backend_args)  # validated only: joining needs no filesystem
    if '://' not in os.fspath(filepath):
        return osp.join(filepath, *filepaths)
    parts = [os.fspath(filepath).rstrip('/')]
    parts += [os.fspath(p).lstrip('/') for p in filepaths]
    return '/'.join(parts)


@contextmanager
def get_local_path(filepath: PathLike,
                   backend_args: BackendArgs = None) -> Generator[str | os.PathLike, None, None]:
    """Context manager yielding a local path holding the content of ``filepath``.

    A local ``filepath`` is yielded as is, unchecked (and never removed), as in MMEngine. A
    remote one is downloaded to a temporary file (same suffix) removed when the block ends.

    Raises:
        FileNotFoundError: If a remote ``filepath`` is not a file.
    """
    fs, path = resolve(filepath, backend_args)
    if is_local(fs):
        yield filepath if '://' not in os.fspath(filepath) else path
        return
    if not fs.isfile(path):
        raise missing(filepath)
    suffix = posixpath.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(suffix=suffix)
    os.close(fd)
    try:
        fs.get_file(path, tmp)
        yield tmp
    finally:
        os.remove(tmp)


def copyfile(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    """Copy the file ``src`` to ``dst``; into ``dst/<name of src>`` if ``dst`` is a directory.

    ``src`` and ``dst`` may live on different filesystems (e.g. local to ``memory://``); the
    bytes then pass through this process.

    Returns:
        str: The destination file.

    Raises:
        FileNotFoundError: If ``src`` is not a file.
        shutil.SameFileError: If ``src`` and ``dst`` are the same file.
    """
    src_fs, src_path = resolve(src, backend_args)
    dst_fs, dst_path = resolve(dst, backend_args)
    if not src_fs.isfile(src_path):
        raise missing(src)
    if is_local(src_fs) and is_local(dst_fs):
        return shutil.copy(src_path, dst_path)
    target = os.fspath(dst)
    if dst_fs.isdir(dst_path):
        name = posixpath.basename(src_path)
        target, dst_path = join_path(target, name), posixpath.join(dst_path, name)
    if dst_fs is not src_fs:
        put(src_fs.cat_file(src_path), target, backend_args)
        return target
    if src_fs._strip_protocol(src_path) == src_fs._strip_protocol(dst_path):
        raise shutil.SameFileError(f'{os.fspath(src)!r} and {target!r} are the same file')
    src_fs.cp_file(src_path, dst_path)
    return target


def copytree(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    """Recursively copy the directory ``src`` to ``dst``, which must not exist yet.

    As :func:`copyfile`, ``src`` and ``dst`` may live on different filesystems.

    Returns:
        str: The destination directory.

    Raises:
        FileNotFoundError: If ``src`` is not a directory.
        FileExistsError: If ``dst`` already exists.
    """
    src_fs, src_path = resolve(src, backend_args)
    dst_fs, dst_path = resolve(dst, backend_args)
    if not src_fs.isdir(src_path):
        raise missing(src, 'directory')
    if dst_fs.exists(dst_path):
        raise FileExistsError(f'Destination {os.fspath(dst)!r} already exists; copytree needs a '
                              'new directory name (or rmtree it first).')
    if is_local(src_fs) and is_local(dst_fs):
        return shutil.copytree(src_path, dst_path)
    root = src_fs._strip_protocol(src_path).rstrip('/')
    dst_fs.makedirs(dst_path, exist_ok=True)
    for name, info in sorted(src_fs.find(root, withdirs=True, detail=True).items()):
        rel = posixpath.relpath(name, root)
        if rel == '.':
            continue
        target = join_path(dst, *rel.split('/'))
        if info['type'] == 'directory':
            dst_fs.makedirs(resolve(target, backend_args)[1], exist_ok=True)
        elif dst_fs is src_fs:
            src_fs.cp_file(name, posixpath.join(dst_path, rel))
        else:
            put(src_fs.cat_file(name), target, backend_args)
    return os.fspath(dst)


def remove(filepath: PathLike, backend_args: BackendArgs = None) -> None:
    """Remove the file ``filepath``.

    Raises:
        FileNotFoundError: If ``filepath`` does not exist.
        IsADirectoryError: If ``filepath`` is a directory (use :func:`rmtree`).
    """
    fs, path = resolve(filepath, backend_args)
    if not fs.exists(path):
        raise missing(filepath)
    if fs.isdir(path):
        raise IsADirectoryError(f'{os.fspath(filepath)!r} is a directory; use rmtree to remove '
                                'a directory tree.')
    fs.rm_file(path)


def replace(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> None:
    """Move the file ``src`` to ``dst`` on the same filesystem, replacing ``dst``.

    Not in MMEngine. Locally this is :func:`os.replace`, atomic: ``dst`` holds the old or
    the new file, never a partial one. On object stores it is the filesystem's move (a
    copy then a delete), where ``dst`` appears only once complete.

    Raises:
        FileNotFoundError: If ``src`` is not a file.
        ValueError: If ``src`` and ``dst`` are on different filesystems.
    """
    src_fs, src_path = resolve(src, backend_args)
    dst_fs, dst_path = resolve(dst, backend_args)
    if not src_fs.isfile(src_path):
        raise missing(src)
    if type(src_fs) is not type(dst_fs):
        raise ValueError(f'replace: {os.fspath(src)!r} and {os.fspath(dst)!r} are on different '
                         'filesystems; use copyfile, then remove')
    if is_local(src_fs):
        os.replace(src_path, dst_path)
    else:
        src_fs.mv(src_path, dst_path)


def rmtree(dir_path: PathLike, backend_args: BackendArgs = None) -> None:
    """Recursively delete the directory ``dir_path``.

    Raises:
        FileNotFoundError: If ``dir_path`` does not exist.
        NotADirectoryError: If ``dir_path`` is a file (use :func:`remove`).
    """
    fs, path = resolve(dir_path, backend_args)
    if not fs.exists(path):
        raise missing(dir_path, 'directory')
    if not fs.isdir(path):
        raise NotADirectoryError(f'{os.fspath(dir_path)!r} is a file; use remove to delete a '
                                 'file.')
    if is_local(fs):
        shutil.rmtree(path)
    else:
        fs.rm(path, recursive=True)


def list_dir_or_file(dir_path: PathLike,
                     list_dir: bool = True,
                     list_file: bool = True,
                     suffix: str | tuple[str, ...] | None = None,
                     recursive: bool = False,
                     backend_args: BackendArgs = None) -> Iterator[str]:
    """Yield directories and/or files under ``dir_path`` as paths relative to it.

    As MMEngine's local backend: files whose name starts with ``.`` are skipped (directories
    are not), and the order is the filesystem's.

    Args:
        dir_path (str | Path): The directory to scan.
        list_dir (bool): Yield directories. Defaults to True.
        list_file (bool): Yield files. Defaults to True.
        suffix (str | tuple[str], optional): Only yield files ending with it. Needs
            ``list_dir=False``. Defaults to None.
        recursive (bool): Descend into subdirectories. Defaults to False.
        backend_args (dict, optional): See the module docstring.

    Yields:
        str: A path relative to ``dir_path``.

    Raises:
        TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
        FileNotFoundError: If ``dir_path`` is not a directory (when iteration starts).
    """
    if list_dir and suffix is not None:
        raise TypeError('`suffix` should be None when `list_dir` is True; pass list_dir=False '
                        'to filter files by suffix')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(f'`suffix` must be a string or tuple of strings, got {suffix!r}')
    fs, path = resolve(dir_path, backend_args)
    sep_join = osp.join if is_local(fs) else posixpath.join

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

    if not fs.isdir(path):
        raise missing(dir_path, 'directory')
    yield from scan(path, '')
