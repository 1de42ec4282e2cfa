"""Accelerator detection on a CPU machine, and with each backend faked present."""
from __future__ import annotations

import sys
import types

import pytest
import torch

from mmlightning import device
from mmlightning.device import utils as device_utils


@pytest.fixture(autouse=True)
def fresh_vendor_checks():
    """The vendor checks are cached per process; clear them around each test."""
    cached = (device_utils._vendor_module, device_utils.is_npu_available,
              device_utils.is_mlu_available)
    for func in cached:
        func.cache_clear()
    yield
    for func in cached:
        func.cache_clear()


def test_cpu_machine(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: False)
    assert device.get_device() == 'cpu'
    assert device.is_cuda_available() is False
    for check in (device.is_npu_available, device.is_mlu_available, device.is_mps_available,
                  device.is_dipu_available, device.is_musa_available,
                  device.is_npu_support_full_precision):
        assert check() is False, check.__name__


def test_cuda_and_mps_are_detected(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert device.get_device() == 'mps' and device.is_mps_available()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert device.get_device() == 'cuda' and device.is_cuda_available()


def _fake_vendor(monkeypatch, module: str, attr: str | None, available: bool = True):
    monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    if attr is not None:
        backend = types.SimpleNamespace(is_available=lambda: available,
                                        set_compile_mode=lambda jit_compile: None)
        monkeypatch.setattr(torch, attr, backend, raising=False)


@pytest.mark.parametrize('module, attr, name', [('torch_npu', 'npu', 'npu'),
                                                ('torch_mlu', 'mlu', 'mlu'),
                                                ('torch_dipu', None, 'dipu'),
                                                ('torch_musa', None, 'musa')])
def test_vendor_backends_are_detected_in_mmengines_order(monkeypatch, module, attr, name):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: name in ('mlu', 'dipu', 'musa'))
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: False)
    _fake_vendor(monkeypatch, module, attr)
    assert getattr(device, f'is_{name}_available')() is True
    # npu beats cuda; cuda beats mlu, dipu and musa
    assert device.get_device() == ('npu' if name == 'npu' else 'cuda')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert device.get_device() == name


def test_vendor_package_without_devices(monkeypatch):
    _fake_vendor(monkeypatch, 'torch_npu', 'npu', available=False)
    assert device.is_npu_available() is False


def test_npu_full_precision_reads_the_soc_version(monkeypatch):
    _fake_vendor(monkeypatch, 'torch_npu', 'npu')
    for name in ('torch_npu.npu', 'torch_npu.npu.utils'):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules['torch_npu'].npu = sys.modules['torch_npu.npu']
    sys.modules['torch_npu.npu'].utils = sys.modules['torch_npu.npu.utils']
    sys.modules['torch_npu.npu.utils'].get_soc_version = lambda: 220
    assert device.is_npu_support_full_precision() is True
    sys.modules['torch_npu.npu.utils'].get_soc_version = lambda: 100
    assert device.is_npu_support_full_precision() is False


def test_max_memory_in_megabytes_and_cuda_peak_reset(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, 'max_memory_allocated',
                        lambda device=None: calls.append(('max', device)) or 5 * 2**20 + 7)
    monkeypatch.setattr(torch.cuda, 'reset_peak_memory_stats',
                        lambda device=None: calls.append(('reset', device)))
    assert device.get_max_cuda_memory() == 5
    assert calls == [('max', None), ('reset', None)]
    monkeypatch.setattr(torch, 'musa', types.SimpleNamespace(
        max_memory_allocated=lambda device=None: 3 * 2**20), raising=False)
    assert device.get_max_musa_memory() == 3
