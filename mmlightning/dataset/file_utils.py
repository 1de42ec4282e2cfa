"""The few file helpers a dataset needs: path joining and annotation loading.

Local paths only for reading; URLs (``s3://``, ``http(s)://``...) are joined
with ``/`` as MMEngine's remote backends do, so paths stay correct for a
pipeline that reads them through its own backend.
"""
from __future__ import annotations

import json
import os.path as osp
import pickle
from typing import Any

import yaml

_URL_PREFIXES = ('http://', 'https://', 's3://')


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a rooted local path or an http(s)/s3 URL."""
    return osp.isabs(path) or path.startswith(_URL_PREFIXES)


def join_path(filepath: str, *filepaths: str) -> str:
    """Join path components; URL-like first components are joined with ``/``.

    Args:
        filepath: The first component.
        *filepaths: Components appended in order.

    Returns:
        The joined path (``os.path.join`` for local paths).
    """
    if '://' not in filepath:
        return osp.join(filepath, *filepaths)
    parts = [filepath[:-1] if filepath.endswith('/') else filepath]
    parts.extend(path.lstrip('/') for path in filepaths)
    return '/'.join(parts)


def list_from_file(filename: str, encoding: str = 'utf-8') -> list[str]:
    """Read a text file into a list of lines without line endings.

    Raises:
        FileNotFoundError: If ``filename`` is not an existing file.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(filename)
    with open(filename, encoding=encoding) as f:
        return [line.rstrip('\n\r') for line in f]


def load(filename: str) -> Any:
    """Load a json, yaml/yml or pkl/pickle file, chosen by its extension.

    YAML is read with ``yaml.safe_load``. Pickle files can run code when
    loaded; only load annotation files you trust (as with MMEngine).

    Args:
        filename: Path of the file.

    Returns:
        The loaded object.

    Raises:
        TypeError: If the extension is not one of the supported formats.
        FileNotFoundError: If the file does not exist.
    """
    file_format = filename.rsplit('.', 1)[-1].lower()
    if file_format not in ('json', 'yaml', 'yml', 'pkl', 'pickle'):
        raise TypeError(
            f'Unsupported annotation format {file_format!r} of {filename!r}: use a .json, '
            '.yaml/.yml or .pkl/.pickle file, or override load_data_list() to read it.')
    if not osp.isfile(filename):
        raise FileNotFoundError(f'annotation file {filename!r} does not exist')
    if file_format in ('pkl', 'pickle'):
        with open(filename, 'rb') as f:
            return pickle.load(f)
    with open(filename, encoding='utf-8') as f:
        return json.load(f) if file_format == 'json' else yaml.safe_load(f)
