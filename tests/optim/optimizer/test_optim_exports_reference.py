"""Reference: mmlightning.optim exports every name of mmengine.optim that was ported."""
from __future__ import annotations

import pytest

import mmlightning.optim as optim

NOT_PORTED = {'ApexOptimWrapper', 'ZeroRedundancyOptimizer'}


def test_exports_cover_mmengine_optim():
    mmengine_optim = pytest.importorskip('mmengine.optim')
    assert set(mmengine_optim.__all__) - set(optim.__all__) == NOT_PORTED
