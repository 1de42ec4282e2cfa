"""Test-suite internals (``mmengine.testing._internal``): ``MultiProcessTestCase``."""
from .multi_process import MultiProcessTestCase

__all__ = ['MultiProcessTestCase']
