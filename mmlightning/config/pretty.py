"""Rendering a config as readable Python that reads back to an equal config.

Values are written as literals; classes and functions as imports through
``__import__`` (a ``__``-prefixed name, which configs drop), so loading the
text imports nothing at module top and needs no ``_base_``. Keys keep their
order. A value that fits on the line stays on one line; longer ones are split
one item per line.
"""
from __future__ import annotations

import keyword
import math
from typing import Any

LINE_WIDTH = 79
INDENT = '    '


class PythonWriter:
    """Writes a config dict as Python source (see :func:`format_python`)."""

    def __init__(self) -> None:
        self.imports: dict[tuple[str, str], str] = {}

    def value(self, value: Any, path: str, indent: str, width: int) -> str:
        """Python text for ``value``, split over lines when longer than ``width``."""
        flat = self.flat(value, path)
        if len(flat) <= width or not isinstance(value, (dict, list, tuple)) or not value:
            return flat
        inner = indent + INDENT
        if isinstance(value, dict):
            use_call = _keys_are_identifiers(value)
            items = [
                (f'{k}=' if use_call else f'{k!r}: ')
                + self.value(v, f'{path}.{k}', inner, LINE_WIDTH - len(inner) - len(str(k)) - 3)
                for k, v in value.items()]
            head, tail = ('dict(', ')') if use_call else ('{', '}')
        else:
            items = [self.value(v, f'{path}.{i}', inner, LINE_WIDTH - len(inner) - 1)
                     for i, v in enumerate(value)]
            head, tail = ('[', ']') if isinstance(value, list) else ('(', ')')
        body = ''.join(f'{inner}{item},\n' for item in items)
        return f'{head}\n{body}{indent}{tail}'

    def flat(self, value: Any, path: str) -> str:
        """Python text for ``value`` on one line."""
        if isinstance(value, dict):
            if _keys_are_identifiers(value):
                return 'dict(' + ', '.join(
                    f'{k}={self.flat(v, f"{path}.{k}")}' for k, v in value.items()) + ')'
            return '{' + ', '.join(
                f'{k!r}: {self.flat(v, f"{path}.{k}")}' for k, v in value.items()) + '}'
        if isinstance(value, (list, tuple)):
            items = [self.flat(v, f'{path}.{i}') for i, v in enumerate(value)]
            if isinstance(value, list):
                return '[' + ', '.join(items) + ']'
            return '(' + ', '.join(items) + (',)' if len(items) == 1 else ')')
        return self.scalar(value, path)

    def scalar(self, value: Any, path: str) -> str:
        """Python text for a non-container value."""
        if value is None or isinstance(value, (bool, int, str, bytes)):
            return repr(value)
        if isinstance(value, float):
            if math.isfinite(value):
                return repr(value)
            return f"float('{value}')"
        if isinstance(value, (set, frozenset)):
            return repr(value)
        if isinstance(value, type) or callable(value):
            return self._import(value, path)
        raise ValueError(f'{path}: a {type(value).__name__} ({value!r}) cannot be written as '
                         'Python config text; use a literal, a string, or a class/function')

    def _import(self, obj: Any, path: str) -> str:
        module = getattr(obj, '__module__', None)
        qualname = getattr(obj, '__qualname__', None)
        if not module or not qualname or '<' in qualname:
            raise ValueError(f'{path}: {obj!r} cannot be written as config text: only '
                             'module-level classes and functions can be imported back')
        if (module, qualname) not in self.imports:
            name = '__' + qualname.replace('.', '_')
            while name in self.imports.values():
                name += '_'
            self.imports[module, qualname] = name
        return self.imports[module, qualname]

    def header(self) -> str:
        """Assignments that import the classes and functions the text refers to."""
        lines = []
        for (module, qualname), name in self.imports.items():
            lines.append(f"{name} = __import__('importlib').import_module({module!r})"
                         f'.{qualname}')
        return '\n'.join(lines) + ('\n\n' if lines else '')


def _keys_are_identifiers(value: dict) -> bool:
    return all(isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k)
               for k in value)


def format_python(cfg: dict) -> str:
    """Python source that assigns each top-level key of ``cfg``.

    Raises:
        ValueError: If a top-level key is not an identifier, or a value has no
            Python literal form (named by its key path).
    """
    writer = PythonWriter()
    lines = []
    for key, value in cfg.items():
        if not (isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)):
            raise ValueError(f'top-level key {key!r} is not a Python identifier, so the config '
                             'cannot be written as .py; dump it as .yaml or .json instead')
        lines.append(f'{key} = {writer.value(value, key, "", LINE_WIDTH - len(key) - 3)}')
    return writer.header() + '\n'.join(lines) + '\n'
