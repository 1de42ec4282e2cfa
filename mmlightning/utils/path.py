"""Local file-system helpers (MMEngine's ``utils/path.py``)."""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any


def is_filepath(x: Any) -> bool:
    """Whether ``x`` is a ``str`` or a ``pathlib.Path``."""
    return isinstance(x, (str, Path))


def fopen(filepath: str | Path, *args: Any, **kwargs: Any) -> IO:
    """Open ``filepath`` (a str or ``Path``) like :func:`open`.

    Raises:
        ValueError: If ``filepath`` is neither a str nor a ``Path``.
    """
    if isinstance(filepath, str):
        return open(filepath, *args, **kwargs)
    if isinstance(filepath, Path):
        return filepath.open(*args, **kwargs)
    raise ValueError(f'`filepath` should be a string or a Path, got {type(filepath).__name__}')


def check_file_exist(filename: str | Path, msg_tmpl: str = 'file "{}" does not exist') -> None:
    """Raise ``FileNotFoundError`` (message ``msg_tmpl.format(filename)``) unless a file exists."""
    if not osp.isfile(filename):
        raise FileNotFoundError(msg_tmpl.format(filename))


def mkdir_or_exist(dir_name: str | Path, mode: int = 0o777) -> None:
    """Create ``dir_name`` and its parents if missing (``~`` is expanded; ``''`` is a no-op)."""
    if dir_name == '':
        return
    os.makedirs(osp.expanduser(dir_name), mode=mode, exist_ok=True)


def symlink(src: str | Path, dst: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
    """Create a symlink ``dst`` pointing to ``src``, replacing an existing ``dst`` if asked.

    Args:
        src: The link target.
        dst: The link to create.
        overwrite: Remove an existing file or link at ``dst`` first.
        **kwargs: Passed to :func:`os.symlink` (e.g. ``target_is_directory``).
    """
    if overwrite and os.path.lexists(dst):
        os.remove(dst)
    os.symlink(src, dst, **kwargs)


def _scan(root: str, dir_path: str, suffix: str | tuple[str, ...] | None, recursive: bool,
          case_sensitive: bool) -> Iterator[str]:
    for entry in os.scandir(dir_path):
        if not entry.name.startswith('.') and entry.is_file():
            rel_path = osp.relpath(entry.path, root)
            matched = rel_path if case_sensitive else rel_path.lower()
            if suffix is None or matched.endswith(suffix):
                yield rel_path
        elif recursive and osp.isdir(entry.path):
            yield from _scan(root, entry.path, suffix, recursive, case_sensitive)


def scandir(dir_path: str | Path,
            suffix: str | tuple[str, ...] | None = None,
            recursive: bool = False,
            case_sensitive: bool = True) -> Iterator[str]:
    """Lazily yield the files under ``dir_path``, as paths relative to it.

    Hidden files (names starting with ``.``) are skipped; as in MMEngine, hidden
    directories are still descended into when ``recursive`` is True.

    Args:
        dir_path: Directory to scan.
        suffix: Keep only paths ending with this suffix (or one of these suffixes).
        recursive: Descend into sub-directories.
        case_sensitive: If False, match ``suffix`` ignoring case.

    Returns:
        A generator of relative file paths.

    Raises:
        TypeError: If ``dir_path`` is not a str/``Path`` or ``suffix`` not a str/tuple.
    """
    if not isinstance(dir_path, (str, Path)):
        raise TypeError(f'"dir_path" must be a string or Path object, got {dir_path!r}')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(f'"suffix" must be a string or tuple of strings, got {suffix!r}')
    if suffix is not None and not case_sensitive:
        suffix = suffix.lower() if isinstance(suffix, str) else tuple(s.lower() for s in suffix)
    root = str(dir_path)
    return _scan(root, root, suffix, recursive, case_sensitive)


def find_vcs_root(path: str | Path, markers: Sequence[str] = ('.git', )) -> str | None:
    """Find the closest directory (``path`` itself or a parent) holding one of ``markers``.

    Args:
        path: A directory or a file (its directory is the start).
        markers: File or directory names marking the root.

    Returns:
        The absolute directory, or None if no parent holds a marker.
    """
    if osp.isfile(path):
        path = osp.dirname(path)
    prev, cur = None, osp.abspath(osp.expanduser(path))
    while cur != prev:
        if any(osp.exists(osp.join(cur, marker)) for marker in markers):
            return cur
        prev, cur = cur, osp.split(cur)[0]
    return None


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a local absolute path or an http(s)/s3 URL."""
    return osp.isabs(path) or path.startswith(('http://', 'https://', 's3://'))
