"""``mmengine.runner.priority``: hook priorities at MMEngine's import path.

They are defined with the hooks (:mod:`mmlightning.hooks.priority`), the layer that
sorts by them; this module is the path MMEngine code imports them from.
"""
from mmlightning.hooks.priority import Priority, get_priority

__all__ = ['Priority', 'get_priority']
