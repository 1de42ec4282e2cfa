"""Errors of the registry package for arguments MMEngine checks with ``assert``."""
from __future__ import annotations


class RegistryArgumentError(TypeError, AssertionError):
    """A ``Registry`` argument of the wrong type.

    MMEngine checks these with ``assert``; this is a ``TypeError`` that also
    subclasses ``AssertionError``, so code catching either keeps working.
    """
