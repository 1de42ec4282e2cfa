"""HistoryBuffer and MessageHub against MMEngine 0.10.7 (skipped without mmengine)."""
from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from mmlightning.logging import HistoryBuffer, MessageHub

mmengine_logging = pytest.importorskip('mmengine.logging')

VALUES = [0.5, 2, 1.25, 7, 3.0, 0.0, 4]
COUNTS = [1, 2, 1, 3, 1, 1, 2]


def _same(ours: Any, theirs: Any) -> None:
    assert type(ours) is type(theirs)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize('start', ['empty', 'given'])
@pytest.mark.parametrize('max_length', [3, 1000])
def test_statistics_match(start: str, max_length: int) -> None:
    if start == 'empty':
        ours, theirs = HistoryBuffer(max_length=max_length), \
            mmengine_logging.HistoryBuffer(max_length=max_length)
    else:
        ours, theirs = HistoryBuffer([1], [1], max_length), \
            mmengine_logging.HistoryBuffer([1], [1], max_length)
    for value, count in zip(VALUES, COUNTS):
        ours.update(value, count)
        theirs.update(value, count)
    for array_ours, array_theirs in zip(ours.data, theirs.data):
        assert array_ours.dtype == array_theirs.dtype
        np.testing.assert_array_equal(array_ours, array_theirs)
    _same(ours.current(), theirs.current())
    for window in (None, 0, 1, 2, 5, 100):
        for name in ('mean', 'max', 'min'):
            _same(ours.statistics(name, window), theirs.statistics(name, window))


def test_tensor_values_match_item_values() -> None:
    ours, theirs = HistoryBuffer(), mmengine_logging.HistoryBuffer()
    for value in (torch.tensor(0.1), torch.tensor(2.5, dtype=torch.float64), torch.tensor(3)):
        ours.update(value)
        theirs.update(value.item())
    _same(ours.mean(), theirs.mean())
    _same(ours.current(), theirs.current())


def test_pickled_state_is_exchangeable() -> None:
    theirs = mmengine_logging.HistoryBuffer([1.0, 3.0], [1, 2], max_length=9)
    ours = HistoryBuffer.__new__(HistoryBuffer)
    ours.__setstate__(pickle.loads(pickle.dumps(theirs)).__getstate__())
    assert ours.max_length == 9
    _same(ours.mean(), theirs.mean())
    back = mmengine_logging.HistoryBuffer.__new__(mmengine_logging.HistoryBuffer)
    back.__setstate__(HistoryBuffer([1.0, 3.0], [1, 2], max_length=9).__getstate__())
    _same(back.mean(), theirs.mean())


def _drive(hub: Any, tensor: Callable[[float], Any]) -> None:
    hub.update_scalar('train/loss', tensor(0.5))
    hub.update_scalar('train/loss', np.float32(1.5))
    hub.update_scalars({'train/lr': 0.1, 'train/acc': dict(value=3, count=2)})
    hub.update_scalar('train/time', 0.2, resumed=False)
    hub.update_info('epoch', 2)
    hub.update_info_dict({'iter': 10, 'cfg': {'a': 1}}, resumed=False)
    hub.update_info('dataset_meta', {'classes': ('a', 'b')})


def test_message_hub_state_dict_matches() -> None:
    ours, theirs = MessageHub('ours'), mmengine_logging.MessageHub('theirs')
    _drive(ours, torch.tensor)
    _drive(theirs, lambda v: torch.tensor(v).item())
    state_ours, state_theirs = ours.state_dict(), theirs.state_dict()
    assert state_ours.keys() == state_theirs.keys()
    assert dict(state_ours['resumed_keys']) == dict(state_theirs['resumed_keys'])
    assert state_ours['runtime_info'] == state_theirs['runtime_info']
    assert list(state_ours['log_scalars']) == list(state_theirs['log_scalars'])
    for key, buffer in state_ours['log_scalars'].items():
        for array_ours, array_theirs in zip(buffer.data, state_theirs['log_scalars'][key].data):
            assert array_ours.dtype == array_theirs.dtype
            np.testing.assert_array_equal(array_ours, array_theirs)


def test_mmengine_state_dict_loads_into_ours() -> None:
    theirs = mmengine_logging.MessageHub('theirs')
    _drive(theirs, float)
    ours = MessageHub('ours')
    ours.load_state_dict(pickle.loads(pickle.dumps(theirs.state_dict())))
    assert list(ours.log_scalars) == ['train/loss', 'train/lr', 'train/acc']
    assert all(isinstance(buffer, HistoryBuffer) for buffer in ours.log_scalars.values())
    _same(ours.get_scalar('train/loss').mean(), theirs.get_scalar('train/loss').mean())
    assert ours.get_info('epoch') == 2 and ours.get_info('cfg') is None
