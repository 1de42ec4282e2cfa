"""Exception types raised by the data structures.

MMEngine checks most user input with ``assert``, so code written against it may catch
``AssertionError``. These types are what a reader expects (``TypeError``, ``ValueError``,
``IndexError``) *and* subclasses of ``AssertionError``, so both kinds of ``except`` keep working
and the checks survive ``python -O``.
"""
from __future__ import annotations


class StructureTypeError(TypeError, AssertionError):
    """A value or argument has the wrong type for a data structure."""


class StructureValueError(ValueError, AssertionError):
    """A value has the right type but an unusable content (length, shape, keys)."""


class StructureIndexError(IndexError, AssertionError):
    """An index cannot be used to select from a data structure."""
