"""Errors of hook arguments and hook requirements.

MMEngine checks these with ``assert``; mmlightning raises, with MMEngine's sentence in the
message, an error that is both the natural type and an ``AssertionError`` (code catching
either keeps working).
"""


class HookArgumentError(ValueError, AssertionError):
    """A bad hook argument (MMEngine raised ``AssertionError``)."""


class HookRunnerError(AttributeError, AssertionError):
    """The runner lacks what a hook needs (MMEngine raised ``AssertionError``)."""


class HookArgumentTypeError(TypeError, AssertionError):
    """A hook argument of the wrong type (MMEngine raised ``AssertionError``)."""


class HookRunnerTypeError(TypeError, AssertionError):
    """A runner component returned the wrong type (MMEngine raised ``AssertionError``)."""
