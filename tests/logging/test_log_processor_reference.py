"""LogProcessor lines and tags against MMEngine 0.10.7 (skipped without mmengine)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from mmlightning.logging import LogProcessor, MessageHub
from mmlightning.logging import log_processor as log_processor_module

mmengine_logging = pytest.importorskip('mmengine.logging')
mmengine_log_processor = pytest.importorskip('mmengine.runner.log_processor')

CUSTOM_CFGS = [
    None,
    [dict(data_src='loss', method_name='mean', window_size='global', log_name='loss_global'),
     dict(data_src='loss', method_name='max', window_size=3),
     dict(data_src='time', method_name='mean', window_size='epoch')],
    [dict(data_src='acc', method_name='current'),
     dict(data_src='data_time', method_name='min', log_name='data_time_min', window_size=4)],
]


@pytest.fixture(autouse=True)
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (log_processor_module, mmengine_log_processor):
        monkeypatch.setattr(module, 'is_cuda_available', lambda: False)
        monkeypatch.setattr(module, 'is_musa_available', lambda: False)


def _fill(hub: Any, tensor: Callable[[float], Any]) -> None:
    for step in range(12):
        hub.update_scalars({'train/lr': 0.02 / (step + 1), 'train/loss': tensor(1 / (step + 1)),
                            'train/loss_cls': tensor(step * 0.25), 'train/time': 0.1 + step / 100,
                            'train/data_time': 0.01 * step, 'train/acc': step,
                            'train/grad_norm': tensor(2.0 + step)})
    for step in range(6):
        hub.update_scalars({'val/time': 0.2 + step / 50, 'val/data_time': 0.02,
                            'test/time': 0.3, 'test/data_time': 0.03 * step})
    hub.update_scalar('val/accuracy', 0.75)
    hub.update_scalar('val/loss', 0.33)
    hub.update_scalar('test/accuracy', 0.5)
    hub.update_info('val/per_class', np.array([0.5, 1.0]))
    hub.update_info('eta', 4321.7)


def _hubs() -> tuple[MessageHub, Any]:
    ours, theirs = MessageHub('ours'), mmengine_logging.MessageHub('theirs')
    _fill(ours, torch.tensor)
    _fill(theirs, lambda value: torch.tensor(value).item())
    return ours, theirs


def _same(ours: tuple[dict, str], theirs: tuple[dict, str]) -> None:
    assert ours[1] == theirs[1]
    assert list(ours[0]) == list(theirs[0])
    for key, value in ours[0].items():
        assert type(value) is type(theirs[0][key]), key
        np.testing.assert_array_equal(value, theirs[0][key])


@pytest.mark.parametrize('custom_cfg', CUSTOM_CFGS)
@pytest.mark.parametrize('by_epoch', [True, False])
@pytest.mark.parametrize('log_with_hierarchy', [False, True])
@pytest.mark.parametrize('training', [True, False])
def test_lines_and_tags_match(make_runner: Callable[..., Any], custom_cfg: Any, by_epoch: bool,
                              log_with_hierarchy: bool, training: bool) -> None:
    if custom_cfg and not by_epoch and any(c.get('window_size') in ('epoch', None)
                                           for c in custom_cfg):
        # 'epoch' needs by_epoch; without a window_size MMEngine fails (KeyError, its bug)
        pytest.skip('not a valid MMEngine configuration')
    kwargs = dict(window_size=4, by_epoch=by_epoch, custom_cfg=custom_cfg,
                  log_with_hierarchy=log_with_hierarchy)
    ours, theirs = LogProcessor(**kwargs), mmengine_log_processor.LogProcessor(**kwargs)
    hub_ours, hub_theirs = _hubs()
    runner_args = dict(iter=11, epoch=2, max_epochs=120, max_iters=5000, train_len=240,
                       val_len=6, test_len=6, training=training)
    runner_ours, runner_theirs = make_runner(hub_ours, **runner_args), \
        make_runner(hub_theirs, **runner_args)
    modes = (('train', 7), ('val', 2), ('test', 5)) if training else (('val', 2), ('test', 5))
    for mode, batch_idx in modes:
        _same(ours.get_log_after_iter(runner_ours, batch_idx, mode),
              theirs.get_log_after_iter(runner_theirs, batch_idx, mode))
    for mode in ('val', 'test'):
        for with_non_scalar in (False, True):
            _same(ours.get_log_after_epoch(runner_ours, 5, mode, with_non_scalar),
                  theirs.get_log_after_epoch(runner_theirs, 5, mode, with_non_scalar))
