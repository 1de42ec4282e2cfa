"""Exceptions raised where MMEngine's optim package ``assert``s on user input.

Each is the type a reader expects (``ValueError``, ``TypeError``, ``KeyError``)
and also an ``AssertionError``, so code written against MMEngine that catches
``AssertionError`` keeps working. The messages contain MMEngine's sentence.
"""
from __future__ import annotations

from mmlightning.utils.errors import ReadableKeyError


class AssertValueError(ValueError, AssertionError):
    """A bad value, where MMEngine asserts."""


class AssertTypeError(TypeError, AssertionError):
    """A value of the wrong type, where MMEngine asserts."""


class AssertRuntimeError(RuntimeError, AssertionError):
    """A call in the wrong state, where MMEngine asserts."""


class AssertKeyError(ReadableKeyError, AssertionError):
    """A missing key, where MMEngine asserts."""
