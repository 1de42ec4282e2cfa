"""Errors of the runner where MMEngine's Runner asserts.

They subclass ``AssertionError`` too, so code catching MMEngine's assertion
keeps working, and name the fix.
"""
from __future__ import annotations

from mmlightning.utils.errors import ReadableKeyError


class RunnerOrderError(RuntimeError, AssertionError):
    """A runner method called before the one it depends on."""


class RunnerKeyError(ReadableKeyError, AssertionError):
    """A required key missing from a runner argument."""


class RunnerArgumentError(TypeError, AssertionError):
    """A Runner argument of the wrong kind."""


class RunnerModelError(TypeError, AssertionError):
    """The model lacks a step method the run needs (``train_step``, ``val_step``)."""
