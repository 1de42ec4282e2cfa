"""LogProcessor: MMEngine's log lines and tags from a message hub."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from mmlightning.logging import LogProcessor, MessageHub
from mmlightning.logging import log_processor as log_processor_module
from mmlightning.registry import LOG_PROCESSORS


@pytest.fixture(autouse=True)
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines without ``memory`` unless a test turns CUDA on."""
    monkeypatch.setattr(log_processor_module, 'is_cuda_available', lambda: False)
    monkeypatch.setattr(log_processor_module, 'is_musa_available', lambda: False)


def _train_hub() -> MessageHub:
    hub = MessageHub.get_instance('train_hub')
    for step in range(10):
        hub.update_scalars({'train/lr': 0.01, 'train/loss': step / 10, 'train/time': 0.1,
                            'train/data_time': 0.01, 'train/acc': step})
    hub.update_info('eta', 83.9)
    return hub


def _val_hub() -> MessageHub:
    hub = MessageHub.get_instance('val_hub')
    for _ in range(5):
        hub.update_scalars({'val/time': 0.2, 'val/data_time': 0.02, 'test/time': 0.3,
                            'test/data_time': 0.03})
    hub.update_scalar('val/accuracy', 0.75)
    hub.update_scalar('test/accuracy', 0.5)
    hub.update_info('eta', 10)
    return hub


def test_train_line_by_epoch(make_runner: Callable[..., Any]) -> None:
    runner = make_runner(_train_hub(), iter=9, epoch=1, max_epochs=12, train_len=100)
    tag, line = LogProcessor().get_log_after_iter(runner, 9, 'train')
    assert line == ('Epoch(train)  [2][ 10/100]  lr: 1.0000e-02  eta: 0:01:23  time: 0.1000  '
                    'data_time: 0.0100  loss: 0.4500  acc: 9')
    assert list(tag) == ['lr', 'loss', 'time', 'data_time', 'acc', 'epoch', 'iter']
    assert tag['loss'] == pytest.approx(0.45) and tag['acc'] == 9
    assert (tag['epoch'], tag['iter']) == (2, 10)


def test_train_line_by_iter(make_runner: Callable[..., Any]) -> None:
    runner = make_runner(_train_hub(), iter=9, max_iters=1000)
    tag, line = LogProcessor(by_epoch=False, window_size=2).get_log_after_iter(runner, 3, 'train')
    assert line == ('Iter(train) [  10/1000]  lr: 1.0000e-02  eta: 0:01:23  time: 0.1000  '
                    'data_time: 0.0100  loss: 0.8500  acc: 9')
    assert 'epoch' not in tag and tag['iter'] == 10


def test_without_timings_there_is_no_eta(make_runner: Callable[..., Any]) -> None:
    hub = MessageHub.get_instance('hub')
    hub.update_scalars({'train/lr': 0.1, 'train/loss': 2.0, 'train/time': 0.5})
    tag, line = LogProcessor().get_log_after_iter(make_runner(hub), 0, 'train')
    assert line == 'Epoch(train)  [1][  1/100]  lr: 1.0000e-01  loss: 2.0000  time: 0.5000'


def test_memory_on_cuda(make_runner: Callable[..., Any],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    devices: list[Any] = []
    monkeypatch.setattr(log_processor_module, 'is_cuda_available', lambda: True)
    monkeypatch.setattr(log_processor_module, 'get_max_cuda_memory',
                        lambda device: devices.append(device) or 123)
    runner = make_runner(_train_hub())
    runner.model.output_device = 'cuda:1'
    tag, line = LogProcessor().get_log_after_iter(runner, 9, 'train')
    assert 'data_time: 0.0100  memory: 123  loss: 0.4500' in line
    assert tag['memory'] == 123 and devices == ['cuda:1']


def test_val_and_test_iteration_lines(make_runner: Callable[..., Any]) -> None:
    runner = make_runner(_val_hub(), epoch=1, max_epochs=12, val_len=5, test_len=5)
    processor = LogProcessor()
    tag, line = processor.get_log_after_iter(runner, 2, 'val')
    assert line == 'Epoch(val)  [1][3/5]    eta: 0:00:10  time: 0.2000  data_time: 0.0200  '
    assert (tag['epoch'], tag['iter']) == (1, 1)
    _, line = processor.get_log_after_iter(runner, 4, 'test')
    assert line == 'Epoch(test) [5/5]    eta: 0:00:10  time: 0.3000  data_time: 0.0300  '
    _, line = LogProcessor(by_epoch=False).get_log_after_iter(runner, 2, 'val')
    assert line == 'Iter(val) [3/5]    eta: 0:00:10  time: 0.2000  data_time: 0.0200  '


def test_val_and_test_epoch_lines(make_runner: Callable[..., Any]) -> None:
    hub = _val_hub()
    hub.update_info('val/confusion', np.eye(2, dtype=int))
    runner = make_runner(hub, epoch=3, val_len=5, test_len=5)
    tag, line = LogProcessor().get_log_after_epoch(runner, 4, 'val')
    assert line == ('Epoch(val) [3][5/5]    accuracy: 0.7500  confusion: \n[[1 0]\n [0 1]]\n  '
                    'time: 0.2000  data_time: 0.0200')
    assert list(tag) == ['accuracy', 'time', 'data_time']
    tag, _ = LogProcessor().get_log_after_epoch(runner, 4, 'val', with_non_scalar=True)
    assert list(tag) == ['accuracy', 'confusion', 'time', 'data_time']
    _, line = LogProcessor().get_log_after_epoch(runner, 4, 'test')
    assert line == 'Epoch(test) [5/5]    accuracy: 0.5000  time: 0.3000  data_time: 0.0300'
    _, line = LogProcessor(by_epoch=False).get_log_after_epoch(runner, 4, 'test')
    assert line.startswith('Iter(test) [5/5]    accuracy: 0.5000')


def test_log_with_hierarchy(make_runner: Callable[..., Any]) -> None:
    runner = make_runner(_train_hub(), iter=9)
    tag, line = LogProcessor(log_with_hierarchy=True).get_log_after_iter(runner, 9, 'train')
    assert list(tag)[:5] == ['train/lr', 'train/loss', 'train/time', 'train/data_time',
                             'train/acc']
    assert line.startswith('Epoch(train)  [1][ 10/100]  lr: 1.0000e-02  eta: 0:01:23')
    tag, _ = LogProcessor(log_with_hierarchy=True).get_log_after_epoch(
        make_runner(_val_hub()), 4, 'val')
    assert list(tag) == ['val/accuracy', 'val/time', 'val/data_time']


@pytest.mark.parametrize('mmengine_style', [True, False])
def test_standalone_validation(make_runner: Callable[..., Any], mmengine_style: bool) -> None:
    runner = make_runner(_val_hub(), iter=50, epoch=4, training=False,
                         mmengine_style=mmengine_style)
    tag, line = LogProcessor().get_log_after_iter(runner, 2, 'val')
    assert line.startswith('Epoch(val)[0][3/5]  ')  # as MMEngine: no space before [0]
    assert (tag['epoch'], tag['iter']) == (0, 0)
    _, line = LogProcessor().get_log_after_epoch(runner, 4, 'val')
    assert line.startswith('Epoch(val) [0][5/5]    accuracy: 0.7500')


def test_custom_cfg_statistics(make_runner: Callable[..., Any]) -> None:
    custom_cfg = [dict(data_src='loss', method_name='mean', window_size='global',
                       log_name='loss_global'),
                  dict(data_src='loss', method_name='max', window_size='epoch'),
                  dict(data_src='acc', method_name='min', window_size=3)]
    processor = LogProcessor(custom_cfg=custom_cfg)
    runner = make_runner(_train_hub(), iter=4)  # global: the last 5 values
    tag, line = processor.get_log_after_iter(runner, 1, 'train')  # epoch: the last 2 values
    assert tag['loss_global'] == pytest.approx(0.7)
    assert tag['loss'] == pytest.approx(0.9)
    assert tag['acc'] == 7
    assert line.endswith('loss: 0.9000  acc: 7  loss_global: 0.7000')
    assert custom_cfg[0]['window_size'] == 'global'  # the caller's config is not changed
    tag, _ = LogProcessor(custom_cfg=[dict(data_src='time', method_name='max')]) \
        .get_log_after_epoch(make_runner(_val_hub()), 4, 'val')
    assert tag['time'] == pytest.approx(0.2)


def test_custom_cfg_without_window_size_by_iter(make_runner: Callable[..., Any]) -> None:
    # MMEngine raises KeyError('window_size') here (its check reads the key unconditionally)
    processor = LogProcessor(by_epoch=False, custom_cfg=[dict(data_src='acc',
                                                              method_name='current')])
    tag, _ = processor.get_log_after_iter(make_runner(_train_hub(), iter=9), 9, 'train')
    assert tag['acc'] == 9


def test_custom_cfg_errors(make_runner: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r'Found duplicate loss for loss in '
                                         r'log_processor.custom_cfg\[1\]'):
        LogProcessor(custom_cfg=[dict(data_src='loss', method_name='mean'),
                                 dict(data_src='loss', method_name='max')])
    with pytest.raises(ValueError, match=r"window_size cannot be epoch if LoggerHook.by_epoch is "
                                         r"False: log_processor.custom_cfg\[0\] has "
                                         "window_size='epoch'"):
        LogProcessor(by_epoch=False,
                     custom_cfg=[dict(data_src='loss', method_name='mean', window_size='epoch')])
    with pytest.raises(ValueError, match=r"custom_cfg\[0\] needs a 'data_src' key"):
        LogProcessor(custom_cfg=[dict(method_name='mean')])
    with pytest.raises(ValueError, match=r"custom_cfg\[0\] needs a 'method_name' key"):
        LogProcessor(custom_cfg=[dict(data_src='loss')])
    with pytest.raises(TypeError, match="window_size should be int, 'epoch' or 'global', but "
                                        "got invalid 'epochs'"):
        LogProcessor(custom_cfg=[dict(data_src='loss', method_name='mean', window_size='epochs')])
    with pytest.raises(TypeError, match='window_size must be an int, got 2.5'):
        LogProcessor(window_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):  # MMEngine asserts these
        LogProcessor(custom_cfg=[dict(data_src='loss', method_name='mean')] * 2)
    processor = LogProcessor(custom_cfg=[dict(data_src='loss', method_name='avg')])
    with pytest.raises(TypeError, match='window_size should be int, epoch or global, but got '
                                        'invalid'):
        processor._parse_windows_size(make_runner(_train_hub()), 0, [dict(window_size=[])])
    with pytest.raises(KeyError, match="'avg' has not been registered"):
        processor.get_log_after_iter(make_runner(_train_hub()), 0, 'train')
    with pytest.raises(ValueError, match=r"mode must be one of \['train', 'val', 'test'\], "
                                         "got 'predict'"):
        processor.get_log_after_iter(make_runner(_train_hub()), 0, 'predict')
    with pytest.raises(ValueError, match=r"mode must be one of \['val', 'test'\], got 'train'"):
        processor.get_log_after_epoch(make_runner(_train_hub()), 0, 'train')


def test_tensor_scalars_are_read_in_one_copy(make_runner: Callable[..., Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    hub = MessageHub.get_instance('hub')
    for step in range(4):
        hub.update_scalars({'train/loss': torch.tensor(float(step)),
                            'train/loss_cls': torch.tensor(step / 2),
                            'train/grad_norm': torch.tensor(1.0)})
    copies: list[int] = []
    original = torch.Tensor.tolist
    monkeypatch.setattr(torch.Tensor, 'tolist', lambda self: copies.append(1) or original(self))
    tag, line = LogProcessor().get_log_after_iter(make_runner(hub), 3, 'train')
    assert len(copies) == 1  # every pending value of every key in one transfer
    assert line.endswith('loss: 1.5000  loss_cls: 0.7500  grad_norm: 1.0000')


def test_registered_and_buildable() -> None:
    processor = LOG_PROCESSORS.build(dict(type='LogProcessor', window_size=5, by_epoch=False))
    assert isinstance(processor, LogProcessor)
    assert (processor.window_size, processor.by_epoch) == (5, False)


def test_private_helpers_mmengine_subclasses_use(make_runner: Callable[..., Any]) -> None:
    runner = make_runner(_train_hub(), iter=9, epoch=1, max_epochs=12, train_len=100)
    processor = LogProcessor()
    assert processor._get_iter(runner, 3) == 4
    processor.by_epoch = False
    assert processor._get_iter(runner, 3) == 10
    assert processor._get_cur_loop(runner, 'train') is runner.train_loop
    assert processor._get_epoch(runner, 'train') == 2
    with pytest.raises(ValueError, match="runner mode should be 'train' or 'val', but got test"):
        processor._get_epoch(runner, 'test')


def test_runner_log_processor_module_is_mmengines_path() -> None:
    from mmlightning.runner import log_processor as runner_module

    assert runner_module.LogProcessor is LogProcessor
