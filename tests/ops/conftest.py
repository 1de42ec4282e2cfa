"""``mmcv_ops``: mmcv's wrappers (``mmcv.ops``) running on mmlightning's torch kernels."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from mmlightning.ops import install
from mmlightning.ops.extension import is_mmlightning_extension


@pytest.fixture(scope='module')
def mmcv_ops() -> Iterator[ModuleType]:
    """``mmcv.ops`` with mmlightning's kernels; skips without mmcv or with a compiled one.

    ``sys.modules['mmcv._ext']`` is restored afterwards (the imported wrappers keep the kernels).
    """
    pytest.importorskip('mmcv')
    saved = sys.modules.get('mmcv._ext')
    try:
        if not is_mmlightning_extension(install()):
            pytest.skip('a compiled mmcv._ext is in use: these tests are of mmlightning kernels')
        import mmcv.ops
        yield mmcv.ops
    finally:
        if saved is None:
            sys.modules.pop('mmcv._ext', None)
        else:
            sys.modules['mmcv._ext'] = saved
