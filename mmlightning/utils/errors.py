"""Exception types whose message reads cleanly (no quoting of ``KeyError``)."""
from __future__ import annotations


class ReadableKeyError(KeyError):
    """A ``KeyError`` whose ``str()`` is the message itself, not its ``repr``.

    ``KeyError('a b')`` prints as ``'a b'`` with quotes, which garbles
    multi-line messages. Catching code that expects ``KeyError`` still works.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def add_note(error: BaseException, note: str) -> None:
    """Attach ``note`` to ``error`` (shown under the traceback), keeping its type."""
    if hasattr(error, 'add_note'):
        error.add_note(note)
    else:  # Python 3.10
        notes = getattr(error, '__notes__', [])
        notes.append(note)
        error.__notes__ = notes  # type: ignore[attr-defined]


class AssertTypeError(TypeError, AssertionError):
    """A ``TypeError`` for a check MMEngine makes with ``assert``.

    Code (and tests) written for MMEngine that catches ``AssertionError`` keeps working.
    """


class AssertValueError(ValueError, AssertionError):
    """A ``ValueError`` for a check MMEngine makes with ``assert`` (see ``AssertTypeError``)."""
