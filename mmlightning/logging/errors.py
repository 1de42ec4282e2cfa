"""Exception types raised for bad input to the logging classes.

MMEngine checks much of this input with ``assert``, so code written against it may catch
``AssertionError``. These types are what a reader expects (``TypeError``, ``ValueError``,
``KeyError``) *and* subclasses of ``AssertionError``, so both kinds of ``except`` keep working
and the checks survive ``python -O``.
"""
from __future__ import annotations

from mmlightning.utils.errors import ReadableKeyError


class LoggingTypeError(TypeError, AssertionError):
    """A logged value or an argument has the wrong type."""


class LoggingValueError(ValueError, AssertionError):
    """A value has the right type but an unusable content (length, shape, a changed flag)."""


class LoggingKeyError(ReadableKeyError, AssertionError):
    """A required key is missing from a dict given to the logging classes."""
