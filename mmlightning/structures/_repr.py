"""Text layout of ``BaseDataElement.__repr__`` (MMEngine's format, without trailing spaces)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first by ``spaces`` (blank lines stay empty)."""
    first, *rest = text.split('\n')
    pad = ' ' * spaces
    return '\n'.join([first, *(pad + line if line else line for line in rest)])


def dump_fields(fields: Mapping[str, Any]) -> str:
    """One ``\\nname: value`` line per field; multi-line values are indented under the name."""
    lines = []
    for name, value in fields.items():
        dumped = indent(_dump_value(value), 4)
        separator = '' if dumped.startswith('\n') else ' '
        lines.append(f'\n{name}:{separator}{dumped}')
    return ''.join(lines)


def _dump_value(value: Any) -> str:
    if isinstance(value, dict) and value:
        return dump_fields(value)
    return repr(value)
