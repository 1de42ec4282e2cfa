"""MMEngine's ``Config._*`` file helpers (tests and downstream code call them), on our loader.

Each reads one config file, applies one step of reading it, and writes the
result to another file, as MMEngine's static methods of the same names do.
"""
from __future__ import annotations

import ast
import os.path as osp
from pathlib import Path
from typing import Any

from .loader import resolve_base_path
from .substitution import (
    pre_substitute_base_vars,
    substitute_env_vars,
    substitute_predefined_vars,
)


def _read(path: str | Path) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def _write(path: str | Path, text: str) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def validate_py_syntax(filename: str | Path) -> None:
    """Raise ``SyntaxError`` naming the file if a ``.py`` config does not parse."""
    try:
        ast.parse(_read(filename), filename=str(filename))
    except SyntaxError as error:
        raise SyntaxError(f'There are syntax errors in config file {filename}: '
                          f'{error.msg} (line {error.lineno})') from error


def substitute_predefined_vars_file(filename: str | Path, temp_config_name: str | Path) -> None:
    """Write ``filename`` with ``{{ fileDirname }}`` and friends replaced, to ``temp_config_name``.
    """
    _write(temp_config_name, substitute_predefined_vars(_read(filename), str(filename)))


def substitute_env_variables_file(filename: str | Path,
                                  temp_config_name: str | Path) -> dict[str, str]:
    """Write ``filename`` with ``{{$NAME:default}}`` replaced; return the variables used."""
    text, used = substitute_env_vars(_read(filename), str(filename))
    _write(temp_config_name, text)
    return used


def pre_substitute_base_vars_file(filename: str | Path,
                                  temp_config_name: str | Path) -> dict[str, str]:
    """Write ``filename`` with ``{{_base_.x}}`` replaced by placeholders; return them."""
    text, placeholders = pre_substitute_base_vars(_read(filename))
    _write(temp_config_name, text)
    return placeholders


def get_cfg_path(cfg_path: str, filename: str) -> tuple[str, str | None]:
    """Absolute path of a ``_base_`` entry of ``filename``, and its scope (``pkg::`` entries)."""
    return resolve_base_path(cfg_path, osp.abspath(str(filename)))


def dict_to_config_dict(cfg: Any) -> Any:
    """``cfg`` with every dict (also inside lists and tuples) a ``ConfigDict``."""
    from .config_dict import ConfigDict

    if isinstance(cfg, dict):
        return ConfigDict(cfg)
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(dict_to_config_dict(item) for item in cfg)
    return cfg
