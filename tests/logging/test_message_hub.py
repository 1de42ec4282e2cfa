"""MessageHub: scalars, runtime info, resumed keys, state dicts."""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import pytest
import torch

from mmlightning.logging import HistoryBuffer, MessageHub


def test_current_instance_is_created_on_demand_then_latest() -> None:
    default = MessageHub.get_current_instance()
    assert default.instance_name == 'mmlightning'
    run = MessageHub.get_instance('run')
    assert MessageHub.get_current_instance() is run
    assert MessageHub.get_instance('mmlightning') is default


def test_constructor_checks_its_inputs() -> None:
    buffer = HistoryBuffer([1], [1])
    hub = MessageHub('a', log_scalars={'loss': buffer}, runtime_info={'iter': 3},
                     resumed_keys={'loss': True, 'iter': False})
    assert hub.get_scalar('loss') is buffer and hub.get_info('iter') == 3
    with pytest.raises(TypeError, match=r"log_scalars\['loss'\] must be a HistoryBuffer, got int"):
        MessageHub('b', log_scalars={'loss': 1})
    with pytest.raises(ValueError, match="resumed_keys has 'lr', which is neither"):
        MessageHub('c', resumed_keys={'lr': True})
    with pytest.raises(TypeError, match='runtime_info must be a dict or None, got list'):
        MessageHub('d', runtime_info=[1])  # type: ignore[arg-type]


def test_update_scalar_accepts_numbers_arrays_and_tensors() -> None:
    hub = MessageHub('hub')
    hub.update_scalar('train/loss', 1)
    hub.update_scalar('train/loss', np.float32(2.0))
    hub.update_scalar('train/loss', np.array([3.0]))
    hub.update_scalar('train/loss', torch.tensor(4.0), count=1)
    hub.update_scalar('train/acc', np.int64(7))
    assert hub.get_scalar('train/loss').data[0].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert hub.get_scalar('train/acc').current() == 7
    assert list(hub.log_scalars) == ['train/loss', 'train/acc']


def test_update_scalar_errors() -> None:
    hub = MessageHub('hub')
    with pytest.raises(TypeError, match="must be an int, float, numpy scalar or one-element "
                                        "tensor, got str: 'x'"):
        hub.update_scalar('loss', 'x')  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r'one element, got an array of shape \(2,\)'):
        hub.update_scalar('loss', np.ones(2))
    with pytest.raises(TypeError, match="count of scalar 'loss' must be an int, got float"):
        hub.update_scalar('loss', 1.0, count=1.5)  # type: ignore[arg-type]
    hub.update_scalar('lr', 0.1, resumed=False)
    with pytest.raises(ValueError, match="'lr' was logged with resumed=False, now with "
                                         'resumed=True'):
        hub.update_scalar('lr', 0.1)


def test_input_errors_are_also_assertion_errors_as_mmengine_asserts() -> None:
    with pytest.raises(AssertionError):
        MessageHub('b', log_scalars={'loss': 1})
    hub = MessageHub('hub')
    with pytest.raises(AssertionError):
        hub.update_scalars({'loss': []})
    with pytest.raises(AssertionError):
        hub.update_scalars({'loss': dict(count=1)})


def test_update_scalars_with_counts() -> None:
    hub = MessageHub('hub')
    hub.update_scalars({'a': 1, 'b': dict(value=6.0, count=3), 'c': dict(value=2,
                                                                         count=torch.tensor(2))})
    assert hub.get_scalar('b').data[1].tolist() == [3]
    assert hub.get_scalar('c').data[1].tolist() == [2]
    hub.update_scalars({'b': dict(value=2.0)}, resumed=True)
    assert hub.get_scalar('b').mean() == 2.0
    with pytest.raises(KeyError, match=r"log_dict\['d'\] is a dict, so it needs a 'value' key"):
        hub.update_scalars({'d': dict(count=1)})
    with pytest.raises(TypeError, match='log_dict must be a dict, got list'):
        hub.update_scalars([1])  # type: ignore[arg-type]


def test_tensor_scalars_are_not_synchronised_on_update(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_item(self: torch.Tensor) -> float:
        raise AssertionError('update_scalar must not call Tensor.item()')

    monkeypatch.setattr(torch.Tensor, 'item', no_item)
    hub = MessageHub('hub')
    for step in range(3):
        hub.update_scalar('train/loss', torch.tensor(float(step)))
    assert hub.get_scalar('train/loss').mean() == 1.0  # read: converted here, via tolist()


def test_runtime_info() -> None:
    hub = MessageHub('hub')
    hub.update_info('iter', 1)
    hub.update_info('iter', 2)
    hub.update_info_dict({'epoch': 3, 'cfg': 'x'}, resumed=False)
    assert hub.get_info('iter') == 2 and hub.get_info('missing', 'd') == 'd'
    assert hub.runtime_info == OrderedDict(iter=2, epoch=3, cfg='x')
    assert hub.pop_info('cfg') == 'x' and hub.pop_info('cfg', 0) == 0
    with pytest.raises(ValueError, match="'epoch' was logged with resumed=False"):
        hub.update_info('epoch', 4)
    with pytest.raises(TypeError, match='info_dict must be a dict, got tuple'):
        hub.update_info_dict(())  # type: ignore[arg-type]


def test_get_scalar_suggests_close_keys() -> None:
    hub = MessageHub('hub')
    hub.update_scalar('train/loss', 1.0)
    with pytest.raises(KeyError, match="'train/los' is not found in the log_scalars of "
                                       "MessageHub 'hub'. Did you mean 'train/loss'"):
        hub.get_scalar('train/los')


def test_state_dict_keeps_resumed_keys_as_copies() -> None:
    hub = MessageHub('hub')
    hub.update_scalar('train/loss', torch.tensor(0.5))
    hub.update_scalar('train/time', 0.1, resumed=False)
    hub.update_info('epoch', 2)
    hub.update_info('cfg', {'a': 1}, resumed=False)
    state = hub.state_dict()
    assert set(state) == {'log_scalars', 'runtime_info', 'resumed_keys'}
    assert list(state['log_scalars']) == ['train/loss']
    assert state['runtime_info'] == {'epoch': 2}
    assert state['resumed_keys'] == {'train/loss': True, 'train/time': False, 'epoch': True,
                                     'cfg': False}
    saved = state['log_scalars']['train/loss']
    assert saved is not hub.get_scalar('train/loss')
    assert saved._log_history.tolist() == [0.5] and saved._pending_values == []


def test_state_dict_shares_what_cannot_be_copied(capsys: pytest.CaptureFixture[str]) -> None:
    hub = MessageHub('hub')
    lock = threading.Lock()
    hub.update_info('lock', lock)
    assert hub.state_dict()['runtime_info']['lock'] is lock
    assert 'lock in message_hub cannot be copied' in capsys.readouterr().out


def test_load_state_dict_round_trip() -> None:
    source = MessageHub('source')
    source.update_scalar('train/loss', 1.0)
    source.update_scalar('train/loss', 3.0)
    source.update_info('iter', 9)
    target = MessageHub('target')
    target.load_state_dict(source.state_dict())
    assert target.get_scalar('train/loss').mean() == 2.0
    assert target.get_info('iter') == 9
    assert target.state_dict()['resumed_keys'] == {'train/loss': True, 'iter': True}
    copied = MessageHub('copied')
    copied.load_state_dict(source)
    assert copied.get_scalar('train/loss') is not source.get_scalar('train/loss')
    assert copied.get_info('iter') == 9


def test_load_state_dict_skips_and_warns(capsys: pytest.CaptureFixture[str]) -> None:
    hub = MessageHub('hub')
    hub.load_state_dict(dict(log_scalars={'old': 1.0, 'loss': HistoryBuffer([1], [1])},
                             runtime_info={'epoch': 1},
                             resumed_keys={'old': True, 'loss': True, 'epoch': False}))
    out = capsys.readouterr().out
    assert 'old in message_hub is not HistoryBuffer, just skip resuming it.' in out
    assert 'resumed key: old is not defined in message_hub' in out
    assert 'Although resumed key: epoch is False' in out
    assert list(hub.log_scalars) == ['loss'] and hub.get_info('epoch') == 1
    assert 'epoch' not in hub.state_dict()['runtime_info']


def test_load_state_dict_errors() -> None:
    hub = MessageHub('hub')
    with pytest.raises(KeyError, match=r"lacks \['resumed_keys'\]"):
        hub.load_state_dict(dict(log_scalars={}, runtime_info={}))
    with pytest.raises(TypeError, match='takes a dict or a MessageHub, got list'):
        hub.load_state_dict([])  # type: ignore[arg-type]


def test_load_state_dict_converts_foreign_history_buffers() -> None:
    class OtherHistoryBuffer:  # e.g. MMEngine's class, unpickled from an MMEngine checkpoint
        def __init__(self) -> None:
            self.max_length = 7
            self._log_history = np.array([1.0, 2.0])
            self._count_history = np.array([1, 1])

    hub = MessageHub('hub')
    hub.load_state_dict(dict(log_scalars={'train/loss': OtherHistoryBuffer()}, runtime_info={},
                             resumed_keys={'train/loss': True}))
    buffer = hub.get_scalar('train/loss')
    assert isinstance(buffer, HistoryBuffer) and buffer.max_length == 7
    buffer.update(torch.tensor(3.0))
    assert buffer.mean() == 2.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_scalars_do_not_synchronise_until_read() -> None:
    hub = MessageHub('hub')
    torch.cuda.set_sync_debug_mode('error')  # any synchronising call raises
    try:
        for step in range(5):
            hub.update_scalar('train/loss', torch.ones((), device='cuda') * step)
            hub.update_scalars({'train/loss_cls': torch.full((1,), 0.5, device='cuda')})
    finally:
        torch.cuda.set_sync_debug_mode('default')
    assert hub.get_scalar('train/loss').mean() == 2.0
    assert hub.get_scalar('train/loss_cls').current() == 0.5
