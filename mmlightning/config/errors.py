"""Errors raised while reading a config. Each names the file and key path it is about."""
from __future__ import annotations

from mmlightning.utils.errors import ReadableKeyError


class ConfigParsingError(RuntimeError):
    """A config file cannot be read: bad format, cyclic ``_base_``, bad imports."""


class ConfigKeyError(ReadableKeyError):
    """A key a config refers to does not exist (``{{_base_.x}}``, ``${x}``, a missing attribute)."""


class ConfigMergeError(TypeError):
    """A child config cannot be merged into its base (dict over a non-dict, ``_delete_`` misuse)."""
