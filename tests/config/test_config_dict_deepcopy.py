"""``ConfigDict.deepcopy()``: addict's method, called by OpenMMLab packages on config dicts."""
from __future__ import annotations

from mmlightning.config import ConfigDict


def test_deepcopy_is_a_deep_config_dict_copy() -> None:
    head = ConfigDict(type='Head', loss=dict(type='CE', weight=[1.0, 2.0]))
    copied = head.deepcopy()
    assert isinstance(copied, ConfigDict) and copied == head
    copied.loss.weight.append(3.0)
    copied.loss.type = 'Focal'
    assert head.loss.weight == [1.0, 2.0] and head.loss.type == 'CE'
