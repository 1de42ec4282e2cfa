"""Reading one config file and its ``_base_`` chain into a dict (``.py``, ``.yaml``, ``.json``).

Pure-Python configs (``with read_base():``) are read by :mod:`.lazy_loader`.
"""
from __future__ import annotations

import ast
import copy
import functools
import json
import os.path as osp
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

import yaml

from .config_dict import ConfigDict
from .errors import ConfigKeyError, ConfigParsingError
from .merge import merge_a_into_b
from .package_paths import resolve_package_config
from .provenance import Origin, iter_leaves, python_line_map, yaml_line_map
from .substitution import (
    BASE_KEY,
    pre_substitute_base_vars,
    substitute_base_vars,
    substitute_env_vars,
    substitute_predefined_vars,
)

DEPRECATION_KEY = '_deprecation_'
SUPPORTED_SUFFIXES = ('.py', '.json', '.yaml', '.yml')


@dataclass
class LoadedConfig:
    """A config file read with its bases merged in.

    Attributes:
        cfg: The merged key/value pairs.
        text: The texts of all files read (bases first), each headed by its path.
        env_variables: Environment variables substituted into the texts.
        provenance: For each leaf key, the assignments that set it, oldest first.
        imported_names: Names bound by imports (pure-Python configs), left out of
            ``to_dict``.
    """

    cfg: dict
    text: str
    env_variables: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, list[Origin]] = field(default_factory=dict)
    imported_names: set[str] = field(default_factory=set)


def check_suffix(filename: str) -> str:
    """Return the suffix of ``filename``; raise if it is not a config format."""
    suffix = osp.splitext(filename)[1]
    if suffix not in SUPPORTED_SUFFIXES:
        raise OSError(f'{filename}: config files must be .py, .yaml, .yml or .json, '
                      f'not {suffix or "(no suffix)"!r}')
    return suffix


def parse_python(text: str, filename: str) -> ast.Module:
    """Parse a ``.py`` config, turning syntax errors into ones that name ``file:line``."""
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as error:
        raise SyntaxError(f'syntax error in config {filename}:{error.lineno}: {error.msg}',
                          (filename, error.lineno, error.offset, error.text)) from None


def base_references(text: str, suffix: str, filename: str) -> list[str]:
    """The ``_base_`` entries of a config text, as a list."""
    if suffix == '.py':
        bases: Any = []
        for node in parse_python(text, filename).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id == BASE_KEY:
                bases = eval(compile(ast.Expression(node.value), filename, 'eval'), {})
                break
    else:
        data = load_data(text, suffix, filename)
        bases = data.get(BASE_KEY, []) if isinstance(data, dict) else []
    bases = bases if isinstance(bases, list) else [bases]
    for base in bases:
        if not isinstance(base, str):
            raise ConfigParsingError(f'{filename}: _base_ entries must be paths (str), '
                                     f'got {base!r}')
    return bases


_SAFE_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@functools.lru_cache(maxsize=64)
def _parse_data(text: str, suffix: str) -> Any:
    return json.loads(text) if suffix == '.json' else yaml.load(text, Loader=_SAFE_LOADER)


def load_data(text: str, suffix: str, filename: str) -> Any:
    """Parse YAML (safely) or JSON text; each result is a fresh copy."""
    try:
        return copy.deepcopy(_parse_data(text, suffix))
    except json.JSONDecodeError as error:
        raise ConfigParsingError(f'{filename}:{error.lineno}: invalid JSON: {error.msg}') \
            from None
    except yaml.YAMLError as error:
        raise ConfigParsingError(
            f'{filename}: invalid YAML (loaded with a safe loader, so python/* tags are '
            f'refused): {error}') from None


def resolve_base_path(reference: str, referenced_by: str) -> tuple[str, str | None]:
    """Absolute path of a ``_base_`` entry and, for ``pkg::`` entries, its scope."""
    if '::' in reference:
        return resolve_package_config(reference, referenced_by)
    path = osp.abspath(osp.join(osp.dirname(referenced_by), osp.expanduser(reference)))
    if not osp.isfile(path):
        raise FileNotFoundError(f"base config '{reference}' not found: tried {path} "
                                f'(referenced by {referenced_by})')
    return path, None


def add_scope(cfg: Any, scope: str, outer: bool = True) -> Any:
    """Give ``_scope_=scope`` to the outermost dicts that have a ``type`` (package bases)."""
    if isinstance(cfg, dict):
        if outer and 'type' in cfg:
            if cfg.get('_scope_') is None:
                cfg = {**cfg, '_scope_': scope}
            outer = False
        return {k: add_scope(v, scope, outer) for k, v in dict.items(cfg)}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(add_scope(v, scope, outer) for v in cfg)
    return cfg


def warn_deprecation(cfg: dict, filename: str) -> None:
    """Pop ``_deprecation_`` and warn with its ``expected``/``reference``."""
    info = cfg.pop(DEPRECATION_KEY, None)
    if info is None:
        return
    message = f'The config file {filename} will be deprecated in the future.'
    if 'expected' in info:
        message += f' Please use {info["expected"]} instead.'
    if 'reference' in info:
        message += f' More information can be found at {info["reference"]}'
    warnings.warn(message, DeprecationWarning, stacklevel=3)


def record_provenance(history: dict[str, list[Origin]], own: dict, base: dict, merged: dict,
                      filename: str, lines: dict[str, int]) -> dict[str, list[Origin]]:
    """History of every leaf after ``own`` (the file's keys) was merged over ``base``.

    A leaf counts as set by the file when the base lacks it, the value differs
    from the base's, or the file has an assignment of it.
    """
    base_leaves = dict(iter_leaves(base))
    history = {key: list(origins) for key, origins in history.items()}
    for path, value in iter_leaves(own):
        if path in base_leaves and path not in lines and _same(base_leaves[path], value):
            continue
        history.setdefault(path, []).append(Origin(path, filename, _line_of(path, lines), value))
    live = {path for path, _ in iter_leaves(merged)}
    return {key: origins for key, origins in history.items() if key in live}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # values whose __eq__ fails (arrays) count as different
        return a is b


def _line_of(path: str, lines: dict[str, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition('.')[0]
    return None


class FileLoader:
    """Reads a config file and its ``_base_`` chain (MMEngine's ``Config._file2dict``).

    Args:
        use_predefined_variables: Substitute ``{{ fileDirname }}`` and friends.
        use_environment_variables: Substitute ``{{$NAME:default}}``.
    """

    def __init__(self, use_predefined_variables: bool = True,
                 use_environment_variables: bool = True) -> None:
        self.use_predefined_variables = use_predefined_variables
        self.use_environment_variables = use_environment_variables

    def load(self, filename: str, chain: tuple[str, ...] = ()) -> LoadedConfig:
        """Read ``filename`` (an absolute path) with its bases.

        Args:
            filename: The config file.
            chain: Files that include this one through ``_base_``, outermost first.
        """
        from .lazy_loader import is_lazy_import

        suffix = check_suffix(filename)
        with open(filename, encoding='utf-8') as f:
            original = f.read()
        if chain and suffix == '.py' and is_lazy_import(original, filename):
            raise ConfigParsingError(
                f'{filename} is a pure-Python config (read_base/imports) but is a _base_ of '
                f'{chain[-1]}: one inheritance chain cannot mix both styles')
        text, env_variables = self._substitute(original, filename)
        text, placeholders = pre_substitute_base_vars(text)
        base, base_texts, history = self._load_bases(text, suffix, filename, chain,
                                                     env_variables)
        base_view = ConfigDict(base)  # what `_base_` is inside a .py config
        own = self._parse_own(text, suffix, filename, base_view)
        warn_deprecation(own, filename)
        own = substitute_base_vars(own, placeholders, base_view, filename)
        merged = merge_a_into_b(own, base_view, source=filename)
        merged = {k: v for k, v in merged.items() if not str(k).startswith('__')}
        lines = python_line_map(text) if suffix == '.py' else yaml_line_map(text)
        history = record_provenance(history, own, base, merged, filename, lines)
        text = '\n'.join([*base_texts, f'{filename}\n{original}'])
        return LoadedConfig(merged, text, env_variables, history)

    def _substitute(self, text: str, filename: str) -> tuple[str, dict[str, str]]:
        if self.use_predefined_variables:
            text = substitute_predefined_vars(text, filename)
        if self.use_environment_variables:
            return substitute_env_vars(text, filename)
        return text, {}

    def _load_bases(self, text: str, suffix: str, filename: str, chain: tuple[str, ...],
                    env_variables: dict[str, str]
                    ) -> tuple[dict, list[str], dict[str, list[Origin]]]:
        merged: dict = {}
        owner: dict[str, str] = {}
        texts: list[str] = []
        history: dict[str, list[Origin]] = {}
        for reference in base_references(text, suffix, filename):
            path, scope = resolve_base_path(reference, filename)
            if path in (*chain, filename):
                cycle = ' -> '.join([*chain, filename, path])
                raise ConfigParsingError(f'cyclic _base_ inheritance: {cycle}')
            loaded = self.load(path, (*chain, filename))
            for key in loaded.cfg:
                if key in owner:
                    raise ConfigKeyError(
                        f"key '{key}' is defined by two sibling bases of {filename}: "
                        f'{owner[key]} and {path}. Define it in one of them, or in {filename}.')
                owner[key] = path
            cfg = add_scope(loaded.cfg, scope) if scope else loaded.cfg
            merged.update(cfg)
            texts.append(loaded.text)
            env_variables.update(loaded.env_variables)
            history.update(loaded.provenance)
        return merged, texts, history

    def _parse_own(self, text: str, suffix: str, filename: str, base: ConfigDict) -> dict:
        if suffix != '.py':
            data = load_data(text, suffix, filename)
            if data is None:
                return {}
            if not isinstance(data, dict):
                raise ConfigParsingError(f'{filename}: a config must be a mapping at the top '
                                         f'level, got {type(data).__name__}')
            data.pop(BASE_KEY, None)
            return data
        module = parse_python(text, filename)
        module.body = [node for node in module.body if not (
            isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == BASE_KEY)]
        namespace: dict[str, Any] = {BASE_KEY: base}
        exec(compile(module, filename, 'exec'), namespace)
        return {key: value for key, value in namespace.items()
                if key != BASE_KEY and not key.startswith('__')
                and not isinstance(value, (types.FunctionType, types.ModuleType))}
