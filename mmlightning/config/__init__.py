"""Configs: ``.py``/``.yaml``/``.json`` files with ``_base_`` inheritance (``mmengine.config``)."""
from .config import Config
from .config_dict import ConfigDict
from .dict_action import DictAction
from .errors import ConfigKeyError, ConfigMergeError, ConfigParsingError
from .lazy import LazyAttr, LazyObject, read_base
from .provenance import KeyExplanation, Origin

__all__ = [
    'Config', 'ConfigDict', 'ConfigKeyError', 'ConfigMergeError', 'ConfigParsingError',
    'DictAction', 'KeyExplanation', 'LazyAttr', 'LazyObject', 'Origin', 'read_base',
]
