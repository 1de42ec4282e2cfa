"""load_state_dict / load_checkpoint and safe loading (mmlightning.runner.checkpoint)."""
from __future__ import annotations

import collections
import io
import logging
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mmlightning.logging import HistoryBuffer
from mmlightning.model.checkpoint import torch_load
from mmlightning.runner import load_checkpoint, load_state_dict, load_weights
from mmlightning.runner.checkpoint import _load_checkpoint_with_prefix


class Net(nn.Module):
    def __init__(self, width: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, width, 1)
        self.bn = nn.BatchNorm2d(width)


class Payload:
    """A class the safe loader must refuse."""


def _weights(width: int = 3, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return Net(width).state_dict()


def test_load_state_dict_reports_missing_unexpected_and_shapes(caplog) -> None:
    state = _weights()
    state['extra.weight'] = torch.zeros(1)
    del state['conv.bias'], state['bn.num_batches_tracked']
    state['bn.weight'] = torch.ones(5)
    model = Net()
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        load_state_dict(model, state, logger=logging.getLogger('mmlightning'))
    text = caplog.text
    assert 'unexpected key in source state_dict: extra.weight' in text
    assert 'missing keys in source state_dict: conv.bias' in text
    assert 'num_batches_tracked' not in text
    assert 'size mismatch for bn.weight' in text
    assert torch.equal(model.conv.weight, state['conv.weight'])
    assert torch.equal(model.bn.weight, torch.ones(3))  # the mismatched tensor is skipped


def test_load_state_dict_strict_raises() -> None:
    state = _weights()
    state['extra'] = torch.zeros(1)
    with pytest.raises(RuntimeError, match='unexpected key in source state_dict: extra'):
        load_state_dict(Net(), state, strict=True)


def test_load_state_dict_prints_without_logger(capsys) -> None:
    load_state_dict(Net(), {'conv.weight': torch.zeros(3, 1, 1, 1)})
    assert 'missing keys in source state_dict: conv.bias' in capsys.readouterr().out


@pytest.mark.parametrize('layout', ['plain', 'nested', 'ddp', 'lightning'])
def test_load_checkpoint_layouts(layout: str, tmp_path: Path, capsys) -> None:
    state = _weights(seed=1)
    checkpoint: dict = {
        'plain': state,
        'nested': dict(state_dict=state, meta=dict(epoch=1)),
        'ddp': dict(state_dict={f'module.{k}': v for k, v in state.items()}),
        'lightning': {'state_dict': {f'model.{k}': v for k, v in state.items()},
                      'pytorch-lightning_version': '2.6.6', 'epoch': 0},
    }[layout]
    torch.save(checkpoint, tmp_path / 'w.pth')
    model = Net()
    returned = load_checkpoint(model, str(tmp_path / 'w.pth'), strict=True)
    assert returned.keys() == checkpoint.keys()
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert f'Loads checkpoint by local backend from path: {tmp_path / "w.pth"}' in \
        capsys.readouterr().out


def test_model_prefix_kept_without_lightning_marker(tmp_path: Path) -> None:
    torch.save({f'model.{k}': v for k, v in _weights().items()}, tmp_path / 'w.pth')
    with pytest.raises(RuntimeError, match='missing keys in source state_dict: conv.weight'):
        load_checkpoint(Net(), str(tmp_path / 'w.pth'), strict=True, logger='silent')


def test_revise_keys(tmp_path: Path) -> None:
    state = _weights(seed=2)
    torch.save({f'backbone.{k}': v for k, v in state.items()}, tmp_path / 'w.pth')
    model = Net()
    load_checkpoint(model, str(tmp_path / 'w.pth'), strict=True, logger='silent',
                    revise_keys=[(r'^backbone\.', '')])
    assert torch.equal(model.conv.weight, state['conv.weight'])


def test_load_checkpoint_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='missing.pth can not be found'):
        load_checkpoint(Net(), str(tmp_path / 'missing.pth'), logger='silent')
    torch.save([torch.zeros(1)], tmp_path / 'list.pth')
    with pytest.raises(RuntimeError, match='No state_dict found .* holds a list'):
        load_checkpoint(Net(), str(tmp_path / 'list.pth'), logger='silent')


def test_with_prefix(tmp_path: Path) -> None:
    state = _weights()
    torch.save(dict(state_dict={f'backbone.{k}': v for k, v in state.items()}), tmp_path / 'w')
    selected = _load_checkpoint_with_prefix('backbone', str(tmp_path / 'w'))
    assert selected.keys() == state.keys()
    with pytest.raises(ValueError, match=r"head\. is not in the pretrained model .*'backbone\.'"):
        _load_checkpoint_with_prefix('head', str(tmp_path / 'w'))


def test_weights_only_by_default(tmp_path: Path) -> None:
    torch.save(dict(state_dict=_weights(), payload=Payload()), tmp_path / 'w.pth')
    with pytest.raises(pickle.UnpicklingError, match='Payload'):
        load_checkpoint(Net(), str(tmp_path / 'w.pth'), logger='silent')
    checkpoint = load_checkpoint(Net(), str(tmp_path / 'w.pth'), logger='silent',
                                 weights_only=False)
    assert isinstance(checkpoint['payload'], Payload)


def test_checkpoint_types_load_safely(tmp_path: Path) -> None:
    buffer = HistoryBuffer()
    buffer.update(1.0)
    buffer.update(torch.tensor(3.0))
    checkpoint = dict(
        state_dict=collections.OrderedDict(_weights()),
        meta=dict(seed=np.int64(3), lr=np.float32(0.5), arr=np.arange(3)),
        message_hub=dict(log_scalars=collections.OrderedDict(loss=buffer)),
        param_schedulers=[dict(milestones=collections.Counter({2: 1}))])
    torch.save(checkpoint, tmp_path / 'w.pth')
    loaded = torch_load(tmp_path / 'w.pth')
    assert loaded['meta']['seed'] == 3 and loaded['meta']['arr'].tolist() == [0, 1, 2]
    assert loaded['message_hub']['log_scalars']['loss'].mean() == 2.0
    assert loaded['param_schedulers'][0]['milestones'] == collections.Counter({2: 1})


def test_restricted_getattr_refuses_other_lookups(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    torch.save(dict(x=Evil()), tmp_path / 'evil.pth')
    with pytest.raises(pickle.UnpicklingError, match=r"getattr\(.*'__init__'\) is not allowed"):
        torch_load(tmp_path / 'evil.pth')


def test_load_weights_delegates(tmp_path: Path, caplog) -> None:
    state = _weights(seed=4)
    state['extra'] = torch.zeros(1)
    torch.save({'state_dict': {f'model.{k}': v for k, v in state.items()},
                'pytorch-lightning_version': '2.6.6'}, tmp_path / 'w.ckpt')
    model = Net()
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        load_weights(model, str(tmp_path / 'w.ckpt'))
    assert 'unexpected key in source state_dict: extra' in caplog.text
    assert torch.equal(model.conv.weight, state['conv.weight'])


def test_numpy_1_pickles_load_safely(tmp_path: Path) -> None:
    """Checkpoints written under numpy 1.x name ``numpy.core.multiarray``."""
    buffer = io.BytesIO()
    torch.save(dict(arr=np.arange(3), seed=np.float64(2.5)), buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(tmp_path / 'old.pth', 'w') as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith('data.pkl'):
                assert b'numpy._core.multiarray' in data
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            target.writestr(name, data)
    loaded = torch_load(tmp_path / 'old.pth')
    assert loaded['arr'].tolist() == [0, 1, 2] and loaded['seed'] == 2.5
