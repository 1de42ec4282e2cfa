"""mmlightning.device answers as mmengine.device does on this machine."""
from __future__ import annotations

import pytest

from mmlightning import device

mmengine_device = pytest.importorskip('mmengine.device')


def test_same_answers_as_mmengine():
    for name in ('get_device', 'is_cuda_available', 'is_npu_available', 'is_mlu_available',
                 'is_mps_available', 'is_dipu_available', 'is_musa_available'):
        assert getattr(device, name)() == getattr(mmengine_device, name)(), name
    assert sorted(device.__all__) == sorted(mmengine_device.__all__)
