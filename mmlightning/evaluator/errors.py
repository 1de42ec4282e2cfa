"""Exception types for bad input to the evaluator.

Where MMEngine checks input with ``assert``, the error raised here is the type a reader
expects *and* an ``AssertionError``, so code catching either keeps working and the check
survives ``python -O``.
"""
from __future__ import annotations


class EvaluatorValueError(ValueError, AssertionError):
    """A value has the right type but an unusable content (e.g. mismatched lengths)."""
