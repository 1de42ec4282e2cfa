"""An insertion-ordered set of field names."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableSet


class FieldSet(MutableSet[str]):
    """A set of field names that iterates in insertion order.

    MMEngine keeps field names in a plain ``set``, so ``keys()`` and ``repr`` come out in an
    arbitrary order that changes between processes. This set behaves like ``set`` (``add``,
    ``remove``, ``discard``, ``in``, ``len``, ``-``, ``==``) but keeps the order fields were set.

    Args:
        names (Iterable[str]): Initial names. Defaults to none.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: dict[str, None] = dict.fromkeys(names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def add(self, name: str) -> None:
        """Add ``name`` at the end, or leave its position if already present."""
        self._names[name] = None

    def discard(self, name: str) -> None:
        """Remove ``name`` if present."""
        self._names.pop(name, None)

    def __repr__(self) -> str:
        return '{' + ', '.join(repr(name) for name in self._names) + '}'
