"""``save_checkpoint``, ``find_latest_checkpoint``, ``get_state_dict``, ``weights_to_cpu``."""
from __future__ import annotations

import logging
from pathlib import Path
from unittest import mock

import pytest
import torch
from torch import nn

from mmlightning.logging import MMLogger
from mmlightning.registry import MODEL_WRAPPERS
from mmlightning.runner import (
    find_latest_checkpoint,
    get_state_dict,
    save_checkpoint,
    weights_to_cpu,
)


def test_save_checkpoint_writes_a_torch_file(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    path = tmp_path / 'sub' / 'ckpt.pth'
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict(epoch=3)), str(path))
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta'] == dict(epoch=3)
    torch.testing.assert_close(loaded['state_dict']['weight'], model.weight.detach())
    assert [p.name for p in path.parent.iterdir()] == ['ckpt.pth']  # no temporary file left


def test_save_checkpoint_to_an_fsspec_url() -> None:
    save_checkpoint(dict(x=torch.ones(2)), 'memory://ckpts/a.pth')
    import fsspec

    with fsspec.open('memory://ckpts/a.pth', 'rb') as file:
        torch.testing.assert_close(torch.load(file, weights_only=True)['x'], torch.ones(2))


def test_save_checkpoint_file_client_args(tmp_path: Path) -> None:
    logger = MMLogger.get_instance('test_save_checkpoint_file_client_args')
    with mock.patch.object(logger, 'log') as log:
        save_checkpoint({}, str(tmp_path / 'a.pth'), file_client_args=dict(backend='disk'))
    assert log.call_args[0][0] == logging.WARNING
    assert (tmp_path / 'a.pth').is_file()
    with pytest.raises(ValueError, match='cannot be set at the same time'):
        save_checkpoint({}, str(tmp_path / 'b.pth'), file_client_args={}, backend_args={})
    with pytest.raises(ValueError, match='pavi:// is not supported'):
        save_checkpoint({}, 'pavi://model/a.pth')


def test_find_latest_checkpoint(tmp_path: Path) -> None:
    assert find_latest_checkpoint(str(tmp_path)) is None
    (tmp_path / 'last_checkpoint').write_text(f'{tmp_path}/epoch_2.ckpt\n')
    assert find_latest_checkpoint(str(tmp_path)) == f'{tmp_path}/epoch_2.ckpt'


class _Wrapper(nn.Module):
    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module


def test_get_state_dict_unwraps_nested_wrappers() -> None:
    MODEL_WRAPPERS.register_module(module=_Wrapper, force=True)
    try:
        inner = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        wrapped = nn.Sequential()
        wrapped.add_module('block', _Wrapper(inner))
        assert set(wrapped.state_dict()) != {f'block.{key}' for key in inner.state_dict()}
        assert set(get_state_dict(wrapped)) == {f'block.{key}' for key in inner.state_dict()}
    finally:
        MODEL_WRAPPERS.module_dict.pop('_Wrapper', None)


def test_weights_to_cpu_keeps_metadata() -> None:
    state = nn.Linear(2, 1).state_dict()
    moved = weights_to_cpu(state)
    assert moved._metadata == state._metadata
    assert all(value.device.type == 'cpu' for value in moved.values())
