"""Errors of model arguments and inputs.

MMEngine checks these with ``assert``; mmlightning raises, with MMEngine's sentence in the
message, an error that is both the natural type and an ``AssertionError`` (code catching
either keeps working).
"""


class ModelValueError(ValueError, AssertionError):
    """A bad argument or input of a model component (MMEngine raised ``AssertionError``)."""
