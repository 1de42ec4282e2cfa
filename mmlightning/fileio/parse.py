"""``list_from_file`` / ``dict_from_file``: read simple line-based annotation files."""
from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from mmlightning.fileio.client_args import backend_for
from mmlightning.fileio.errors import FileioValueError
from mmlightning.fileio.io import BackendArgs


def _read_text(filename: str | Path, encoding: str, file_client_args: dict | None,
               backend_args: BackendArgs) -> str:
    return backend_for(filename, file_client_args, backend_args).get_text(filename, encoding)


def list_from_file(filename: str | Path,
                   prefix: str = '',
                   offset: int = 0,
                   max_num: int = 0,
                   encoding: str = 'utf-8',
                   file_client_args: dict | None = None,
                   backend_args: BackendArgs = None) -> list[str]:
    """Read the lines of ``filename`` as a list of strings (line endings stripped).

    Args:
        filename (str | Path): The file (any path or URL a backend serves).
        prefix (str): Prepended to every item. Defaults to ``''``.
        offset (int): Lines skipped at the start. Defaults to 0.
        max_num (int): At most this many items; 0 or less means all. Defaults to 0.
        encoding (str): The text encoding. Defaults to ``'utf-8'``.
        file_client_args (dict, optional): Deprecated: ``FileClient`` arguments.
        backend_args (dict, optional): See :func:`mmlightning.fileio.get_file_backend`.

    Returns:
        list[str]: The items.

    Raises:
        ValueError: If both ``file_client_args`` and ``backend_args`` are given.
    """
    lines = list(StringIO(_read_text(filename, encoding, file_client_args, backend_args)))
    items = [prefix + line.rstrip('\n\r') for line in lines[offset:]]
    return items[:max_num] if max_num > 0 else items


def dict_from_file(filename: str | Path,
                   key_type: type = str,
                   encoding: str = 'utf-8',
                   file_client_args: dict | None = None,
                   backend_args: BackendArgs = None) -> dict[Any, str | list[str]]:
    """Read a whitespace-separated file of ``key value [value ...]`` lines as a dict.

    A line with one value maps its key to that value (a str); a line with several, to the
    list of them.

    Args:
        filename (str | Path): The file (any path or URL a backend serves).
        key_type (type): Converts the first column. Defaults to ``str``.
        encoding (str): The text encoding. Defaults to ``'utf-8'``.
        file_client_args (dict, optional): Deprecated: ``FileClient`` arguments.
        backend_args (dict, optional): See :func:`mmlightning.fileio.get_file_backend`.

    Returns:
        dict: The mapping, in file order.

    Raises:
        FileioValueError: If a line has fewer than two columns (also an AssertionError).
        ValueError: If both ``file_client_args`` and ``backend_args`` are given.
    """
    mapping: dict[Any, str | list[str]] = {}
    text = _read_text(filename, encoding, file_client_args, backend_args)
    for number, line in enumerate(StringIO(text), 1):
        items = line.rstrip('\n').split()
        if len(items) < 2:
            raise FileioValueError(f'{str(filename)!r} line {number}: expected "key value '
                                   f'[value ...]", got {line!r}')
        mapping[key_type(items[0])] = items[1:] if len(items) > 2 else items[1]
    return mapping
