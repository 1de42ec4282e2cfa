"""Exceptions of the fileio package."""
from __future__ import annotations


class FileioTypeError(TypeError, AssertionError):
    """A wrong argument type where MMEngine asserts: also an ``AssertionError``.

    Code written for MMEngine that catches ``AssertionError`` keeps working.
    """


class FileioValueError(ValueError, AssertionError):
    """A bad value where MMEngine asserts: also an ``AssertionError``."""
