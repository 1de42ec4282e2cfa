"""``autocast`` and ``turn_on_activation_checkpointing`` (``mmengine.runner``)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import mmlightning.runner.amp as amp
from mmlightning.runner import autocast, turn_on_activation_checkpointing
from mmlightning.runner.amp import autocast as amp_autocast


def test_autocast_is_exported_from_runner_and_amp() -> None:
    assert autocast is amp_autocast


def test_cpu_autocast_runs_in_bfloat16_and_can_be_turned_off() -> None:
    layer = nn.Linear(2, 2)
    with autocast(device_type='cpu'):
        assert layer(torch.ones(1, 2)).dtype == torch.bfloat16
        with autocast(device_type='cpu', enabled=False):
            assert layer(torch.ones(1, 2)).dtype == torch.float32
    assert layer(torch.ones(1, 2)).dtype == torch.float32


def test_device_defaults_to_get_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amp, 'get_device', lambda: 'cpu')
    with autocast():
        assert nn.Linear(2, 2)(torch.ones(1, 2)).dtype == torch.bfloat16


def test_device_without_autocast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amp, 'get_device', lambda: 'mps')
    with autocast(enabled=False):
        assert nn.Linear(2, 2)(torch.ones(1, 2)).dtype == torch.float32
    with pytest.raises(ValueError, match="User specified autocast device_type.*'mps'"):
        with autocast():
            pass


def test_activation_checkpointing_keeps_outputs_and_gradients() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2)))
    inputs = torch.randn(3, 4, requires_grad=True)
    expected = model(inputs)
    expected.sum().backward()
    grad = inputs.grad.clone()
    inputs.grad = None
    turn_on_activation_checkpointing(model, ['0', '2.0'])
    output = model(inputs)
    output.sum().backward()
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(inputs.grad, grad)


def test_activation_checkpointing_names_a_missing_module() -> None:
    with pytest.raises(AttributeError, match="no submodule 'head'"):
        turn_on_activation_checkpointing(nn.Linear(2, 2), 'head')
