"""Text layout of ``BaseDataElement.__repr__``: MMEngine's format, character for character."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first by ``spaces``, blank ones too (as MMEngine)."""
    first, *rest = text.split('\n')
    pad = ' ' * spaces
    return '\n'.join([first, *(pad + line for line in rest)])


def dump_fields(fields: Mapping[str, Any]) -> str:
    """One ``\\nname: value`` line per field; multi-line values are indented under the name."""
    return ''.join(f'\n{name}: {indent(_dump_value(value), 4)}' for name, value in fields.items())


def _dump_value(value: Any) -> str:
    if isinstance(value, dict) and value:
        return dump_fields(value)
    return repr(value)  # an empty dict shows as {} (MMEngine: nothing)
