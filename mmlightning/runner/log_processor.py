"""``mmengine.runner.log_processor``: MMEngine's module path of :class:`LogProcessor`.

The class lives in :mod:`mmlightning.logging.log_processor` (it only reads the message hub);
this module keeps ``from mmengine.runner.log_processor import LogProcessor`` working after the
rename.
"""
from mmlightning.logging.log_processor import LogProcessor

__all__ = ['LogProcessor']
