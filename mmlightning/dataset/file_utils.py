"""The file helpers a dataset needs, on :mod:`mmlightning.fileio`.

Annotation files, meta files, ``data_root`` and ``data_prefix`` may be local paths
or any URL fsspec knows (``s3://``, ``memory://``, ...); URLs are joined with ``/``.
"""
from __future__ import annotations

import os.path as osp
from typing import Any

from mmlightning import fileio

ANNOTATION_FORMATS = ('json', 'yaml', 'yml', 'pkl', 'pickle')


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a rooted local path or a URL (``scheme://...``)."""
    return osp.isabs(path) or '://' in path


def list_from_file(filename: str, encoding: str = 'utf-8') -> list[str]:
    """Read a text file (a path or URL) into a list of lines without line endings.

    Raises:
        FileNotFoundError: If ``filename`` is not an existing file.
    """
    if not fileio.isfile(filename):
        raise FileNotFoundError(filename)
    return fileio.get_text(filename, encoding=encoding).splitlines()


def load(filename: str) -> Any:
    """Load a json, yaml/yml or pkl/pickle file (a path or URL), chosen by its extension.

    YAML is read with a safe loader. Pickle files can run code when loaded; only
    load annotation files you trust (as with MMEngine).

    Args:
        filename: Path or URL of the file.

    Returns:
        The loaded object.

    Raises:
        TypeError: If the extension is not one of the supported formats.
        FileNotFoundError: If the file does not exist.
    """
    file_format = filename.rsplit('.', 1)[-1].lower()
    if file_format not in ANNOTATION_FORMATS:
        raise TypeError(
            f'Unsupported annotation format {file_format!r} of {filename!r}: use a .json, '
            '.yaml/.yml or .pkl/.pickle file, or override load_data_list() to read it.')
    if not fileio.isfile(filename):
        raise FileNotFoundError(f'annotation file {filename!r} does not exist')
    return fileio.load(filename, file_format=file_format)
