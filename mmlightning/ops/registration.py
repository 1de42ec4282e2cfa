"""Installs :mod:`mmlightning.ops`' kernels as ``mmcv._ext`` when mmcv has no compiled one."""

from __future__ import annotations

import logging
import sys
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from mmlightning.ops.extension import build_extension, implemented_kernels
from mmlightning.ops.names import EXT_NAMES

logger = logging.getLogger('mmlightning')

_EXT = 'mmcv._ext'


def install() -> ModuleType:
    """Makes ``import mmcv._ext`` work, so that ``import mmcv.ops`` (and mmdet, mmseg) import.

    A compiled ``mmcv._ext`` always wins: it is imported and returned. Only when it is absent (as
    with ``mmcv-lite``), or present but unloadable (built for another torch), is mmlightning's torch
    module registered in its place, and one log line says so. Calling again returns the module in
    use.

    Returns:
        The module ``import mmcv._ext`` now gives.

    Raises:
        ModuleNotFoundError: mmcv itself is not installed.
    """
    current = sys.modules.get(_EXT)
    if current is not None:
        return current
    try:
        import mmcv
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            'mmlightning.ops.install() provides kernels for mmcv, which is not installed: '
            '`pip install mmcv-lite==2.1.0` (or a compiled mmcv).', name='mmcv') from err
    reason = 'mmcv has no compiled extension (mmcv-lite)'
    if find_spec(_EXT) is not None:
        try:
            return import_module(_EXT)
        except ImportError as err:
            reason = f'the compiled mmcv._ext does not load ({err})'
    module = build_extension()
    sys.modules[_EXT] = module
    mmcv._ext = module
    logger.info('mmcv._ext: %s; using mmlightning.ops torch kernels (%d of %d implemented).',
                reason, len(implemented_kernels()), len(EXT_NAMES))
    return module
