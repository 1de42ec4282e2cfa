"""Text substitutions applied to a config file before it is parsed (MMEngine's rules).

- predefined variables: ``{{ fileDirname }}``, ``{{ fileBasename }}``,
  ``{{ fileBasenameNoExtension }}``, ``{{ fileExtname }}``;
- environment variables: ``{{$NAME:default}}`` or, to keep ``.py`` syntax
  valid and substitute non-strings, ``{{'$NAME:default'}}``;
- base variables: ``{{_base_.a.b}}``, also quoted (``'{{_base_.a.b}}'``, to
  keep the file valid Python, YAML or JSON), becomes a placeholder string that
  :func:`substitute_base_vars` swaps for the base's value after parsing. A
  reference inside a longer string is an error (MMEngine leaves garbage).
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import re
import uuid
from typing import Any

from mmlightning.utils.suggestions import did_you_mean

from .errors import ConfigKeyError
from .provenance import iter_leaves

BASE_KEY = '_base_'
_ENV_PATTERN = re.compile(r'\{\{[\'\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*[\'\"]?\}\}')
_BASE_VAR_PATTERN = re.compile(r'\{\{\s*' + BASE_KEY + r'\.([\w\.]+)\s*\}\}')
_PLACEHOLDER_PATTERN = re.compile(r'_[\w.]+_[0-9a-f]{6}')


def substitute_predefined_vars(text: str, filename: str) -> str:
    """Replace ``{{ fileDirname }}`` and friends with facts about ``filename``."""
    basename = osp.basename(filename)
    values = dict(fileDirname=osp.dirname(filename), fileBasename=basename,
                  fileBasenameNoExtension=osp.splitext(basename)[0],
                  fileExtname=osp.splitext(filename)[1])
    for name, value in values.items():
        text = re.sub(r'\{\{\s*' + name + r'\s*\}\}', value.replace('\\', '/'), text)
    return text


def substitute_env_vars(text: str, filename: str) -> tuple[str, dict[str, str]]:
    """Replace ``{{$NAME:default}}`` with the variable's value, else the default.

    Returns:
        The new text and the environment variables that were used.

    Raises:
        ConfigKeyError: If a variable is unset and has no default.
    """
    used: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            used[name] = os.environ[name]
            return os.environ[name]
        if not default:
            raise ConfigKeyError(
                f"environment variable '{name}' used in {filename} is not set and has no "
                f"default; set it, or write {{{{${name}:default}}}}")
        return default

    return _ENV_PATTERN.sub(replace, text), used


def pre_substitute_base_vars(text: str) -> tuple[str, dict[str, str]]:
    """Replace each ``{{_base_.a.b}}`` with a quoted placeholder.

    Returns:
        The new text and a map from placeholder to the dotted base key.
    """
    placeholders: dict[str, str] = {}
    for key in sorted(set(_BASE_VAR_PATTERN.findall(text))):
        placeholder = f'_{key}_{uuid.uuid4().hex[:6]}'
        placeholders[placeholder] = key
        reference = r'\{\{\s*' + BASE_KEY + r'\.' + re.escape(key) + r'\s*\}\}'
        # a quoted reference is the whole value: the quotes go with it
        text = re.sub(r'([\'"])' + reference + r'\1|' + reference, f'"{placeholder}"', text)
    return text, placeholders


def _base_value(base: dict, key: str, filename: str) -> Any:
    node: Any = base
    walked = []
    for part in key.split('.'):
        if isinstance(node, dict) and part in node:
            node = dict.__getitem__(node, part)
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            known = [path for path, _ in iter_leaves(base)] if isinstance(base, dict) else []
            prefix = '.'.join(walked)
            here = sorted(map(str, node)) if isinstance(node, dict) else []
            keys = (f" Keys of the base at '{prefix}': " if prefix else ' Keys of the base: ') \
                + (', '.join(here) or '(none)') if isinstance(node, dict) else \
                f" The base value at '{prefix}' is a {type(node).__name__}, not a dict."
            raise ConfigKeyError(
                f"{{{{_base_.{key}}}}} in {filename}: the base configs have no key "
                f"'{(prefix + '.' if prefix else '') + part}'.{did_you_mean(key, known)}{keys}")
        walked.append(part)
    return node


def substitute_base_vars(cfg: Any, placeholders: dict[str, str], base: dict,
                         filename: str) -> Any:
    """Swap the placeholders left by :func:`pre_substitute_base_vars` for base values."""
    if not placeholders:
        return cfg
    if isinstance(cfg, str) and cfg in placeholders:
        return copy.deepcopy(_base_value(base, placeholders[cfg], filename))
    if isinstance(cfg, str):
        for found in _PLACEHOLDER_PATTERN.findall(cfg):
            if found in placeholders:
                raise ConfigKeyError(
                    f'{{{{_base_.{placeholders[found]}}}}} in {filename} is part of the string '
                    f'{cfg!r}: a base reference must be a whole value. Use '
                    f"'${{{placeholders[found]}}}' interpolation to build strings from other "
                    'keys.')
    if isinstance(cfg, dict):
        return type(cfg)((k, substitute_base_vars(v, placeholders, base, filename))
                         for k, v in dict.items(cfg))
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(substitute_base_vars(v, placeholders, base, filename) for v in cfg)
    return cfg
