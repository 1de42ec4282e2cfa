"""Tests for mmlightning.utils.dl_utils (the helpers that need torch)."""
from __future__ import annotations

import importlib
import logging
import sys
import types

import numpy as np
import pytest
import torch
from torch import nn

import mmlightning
from mmlightning.utils.dl_utils import (
    TORCH_VERSION,
    TimeCounter,
    collect_env,
    has_batch_norm,
    is_jit_tracing,
    is_norm,
    mmcv_full_available,
    set_multi_processing,
    tensor2imgs,
    torch_meshgrid,
)
from mmlightning.utils.dl_utils import setup_env as setup_env_module
from mmlightning.utils.dl_utils import time_counter as time_counter_module

# The package re-exports the function `collect_env` under the module's name.
collect_env_module = importlib.import_module('mmlightning.utils.dl_utils.collect_env')


def test_torch_version():
    assert TORCH_VERSION == torch.__version__


def test_torch_meshgrid_is_ij_and_silent(recwarn):
    xs, ys = torch_meshgrid(torch.arange(2), torch.arange(3))
    assert xs.shape == ys.shape == (2, 3)
    assert xs[:, 0].tolist() == [0, 1] and ys[0].tolist() == [0, 1, 2]
    assert not recwarn.list


@pytest.mark.filterwarnings('ignore:`torch.jit.trace` is deprecated:DeprecationWarning')
def test_is_jit_tracing():
    seen = []

    def fn(x):
        seen.append(is_jit_tracing())
        return x + 1

    fn(torch.zeros(1))
    torch.jit.trace(fn, torch.zeros(1), check_trace=False)
    assert seen == [False, True]


def test_collect_env_on_this_machine():
    env = collect_env()
    for key in ('sys.platform', 'Python', 'CUDA available', 'MUSA available', 'MPS available',
                'numpy_random_seed', 'GCC', 'PyTorch', 'PyTorch compiling details'):
        assert key in env
    assert env['sys.platform'] == sys.platform
    assert env['PyTorch'] == torch.__version__
    assert env['MMLightning'] == mmlightning.__version__
    assert env['CUDA available'] is torch.cuda.is_available()
    assert list(env)[:2] == ['sys.platform', 'Python']
    if not torch.cuda.is_available():
        assert not any(key.startswith('GPU ') for key in env)


def test_collect_env_with_fake_gpus(monkeypatch, tmp_path):
    names = ['NVIDIA A', 'NVIDIA B', 'NVIDIA A']
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: len(names))
    monkeypatch.setattr(torch.cuda, 'get_device_name', lambda k: names[k])
    monkeypatch.setattr(torch.version, 'hip', None)
    import torch.utils.cpp_extension as cpp_extension
    monkeypatch.setattr(cpp_extension, 'CUDA_HOME', str(tmp_path))
    monkeypatch.setattr(collect_env_module, '_run', lambda cmd: (
        'nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release 12.4, V12.4.131'
        '\nBuild cuda_12.4.r12.4'))
    env = collect_env()
    assert env['GPU 0,2'] == 'NVIDIA A' and env['GPU 1'] == 'NVIDIA B'
    assert env['CUDA_HOME'] == str(tmp_path)
    assert env['NVCC'] == 'Cuda compilation tools, release 12.4, V12.4.131'


def test_collect_env_compiler_missing(monkeypatch):

    def fail(cmd):
        raise FileNotFoundError(cmd[0])

    monkeypatch.setattr(collect_env_module, '_run', fail)
    assert collect_env()['GCC'] == 'n/a'
    monkeypatch.setattr(collect_env_module.sysconfig, 'get_config_var', lambda name: None)
    assert collect_env()['GCC'] == 'n/a'


class _FakeMP:

    def __init__(self, current):
        self.current = current
        self.set_calls = []

    def get_start_method(self, allow_none=False):
        return self.current

    def set_start_method(self, method, force=False):
        self.set_calls.append((method, force))


def _patch_setup(monkeypatch, current):
    fake_mp = _FakeMP(current)
    monkeypatch.setattr(setup_env_module, 'mp', fake_mp)
    monkeypatch.setattr(setup_env_module.platform, 'system', lambda: 'Linux')
    threads = []
    monkeypatch.setitem(sys.modules, 'cv2', types.SimpleNamespace(setNumThreads=threads.append))
    return fake_mp, threads


def test_set_multi_processing_defaults(monkeypatch, recwarn):
    fake_mp, threads = _patch_setup(monkeypatch, current=None)
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.delenv('MKL_NUM_THREADS', raising=False)
    set_multi_processing()
    assert fake_mp.set_calls == [('fork', True)]
    assert threads == [0]
    assert 'OMP_NUM_THREADS' not in setup_env_module.os.environ  # not distributed
    assert not recwarn.list


def test_set_multi_processing_distributed(monkeypatch):
    fake_mp, threads = _patch_setup(monkeypatch, current='spawn')
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.setenv('MKL_NUM_THREADS', '4')
    with pytest.warns(UserWarning) as record:
        set_multi_processing('forkserver', opencv_num_threads=2, distributed=True)
    messages = [str(w.message) for w in record]
    assert any('`forkserver` is different from the previous setting `spawn`' in m
               for m in messages)
    assert any('Setting OMP_NUM_THREADS' in m for m in messages)
    assert not any('MKL_NUM_THREADS' in m for m in messages)
    assert fake_mp.set_calls == [('forkserver', True)]
    assert threads == [2]
    assert setup_env_module.os.environ['OMP_NUM_THREADS'] == '1'
    assert setup_env_module.os.environ['MKL_NUM_THREADS'] == '4'


def test_set_multi_processing_on_windows_and_without_cv2(monkeypatch):
    fake_mp, _ = _patch_setup(monkeypatch, current='spawn')
    monkeypatch.setattr(setup_env_module.platform, 'system', lambda: 'Windows')
    monkeypatch.setitem(sys.modules, 'cv2', None)  # makes `import cv2` raise ImportError
    set_multi_processing()
    assert fake_mp.set_calls == []


@pytest.fixture
def fake_clock(monkeypatch):
    """perf_counter advancing by the next value of ``steps`` at each call."""
    state = {'now': 0.0, 'steps': []}

    def perf_counter():
        if state['steps']:
            state['now'] += state['steps'].pop(0)
        return state['now']

    monkeypatch.setattr(time_counter_module.time, 'perf_counter', perf_counter)
    monkeypatch.setattr(TimeCounter, 'instance_dict', {})
    return state


def test_time_counter_decorator_averages(fake_clock, capsys):

    @TimeCounter(log_interval=2, warmup_interval=2, with_sync=False)
    def work(x):
        return x + 1

    # start/end perf_counter calls: runs take 1 s (warm-up), 0.01 s, 0.03 s, 0.05 s
    fake_clock['steps'] = [0, 1.0, 0, 0.01, 0, 0.03, 0, 0.05]
    assert [work(i) for i in range(4)] == [1, 2, 3, 4]
    assert capsys.readouterr().out.splitlines() == [
        '[work]-time per run averaged in the past 2 runs: 10.0 ms',
        '[work]-time per run averaged in the past 4 runs: 30.0 ms',
    ]
    assert work.__name__ == 'work'


def test_time_counter_shared_by_tag_and_logger(fake_clock, caplog):
    logger = logging.getLogger('mmlightning.test_time_counter')
    first = TimeCounter(tag='block', logger=logger, with_sync=False)
    assert TimeCounter(tag='block') is first
    fake_clock['steps'] = [0, 0.002]
    with caplog.at_level(logging.INFO, logger=logger.name), TimeCounter(tag='block'):
        pass
    assert caplog.messages == ['[block]-time per run averaged in the past 1 runs: 2.0 ms']


def test_time_counter_errors(fake_clock):
    with pytest.raises(ValueError, match='warmup_interval must be at least 1, got 0'):
        TimeCounter(warmup_interval=0)
    with pytest.raises(ValueError, match='please specify the tag parameter'):
        with TimeCounter():
            pass


def test_time_counter_off_the_main_process(fake_clock, monkeypatch, capsys):
    monkeypatch.setattr(time_counter_module, '_is_main_process', lambda: False)

    @TimeCounter(with_sync=False)
    def work():
        return 'done'

    assert work() == 'done'
    with TimeCounter(tag='other'):
        pass
    assert capsys.readouterr().out == ''


def test_time_counter_syncs(fake_clock, monkeypatch, capsys):
    syncs = []
    monkeypatch.setattr(time_counter_module, '_synchronize', lambda: syncs.append(1))
    with TimeCounter(tag='sync'):
        pass
    assert len(syncs) == 2


def test_is_norm_and_has_batch_norm():
    assert is_norm(nn.BatchNorm2d(2)) and is_norm(nn.GroupNorm(1, 2))
    assert is_norm(nn.LayerNorm(2)) and is_norm(nn.InstanceNorm1d(2))
    assert not is_norm(nn.Linear(1, 1))
    assert not is_norm(nn.BatchNorm1d(2), exclude=nn.BatchNorm1d)
    assert is_norm(nn.BatchNorm1d(2), exclude=(nn.LayerNorm, ))
    with pytest.raises(TypeError, match='"exclude" must be either None or type'):
        is_norm(nn.BatchNorm1d(2), exclude='BN')
    assert has_batch_norm(nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.BatchNorm1d(1))))
    assert not has_batch_norm(nn.Sequential(nn.Linear(1, 1), nn.LayerNorm(1)))


def test_tensor2imgs():
    tensor = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).view(2, 3, 2, 2)
    imgs = tensor2imgs(tensor, mean=(1, 2, 3), std=(2, 2, 2))
    assert len(imgs) == 2 and imgs[0].shape == (2, 2, 3)
    expected = (tensor[0].permute(1, 2, 0) * 2 + torch.tensor([1., 2., 3.])).numpy()[..., ::-1]
    np.testing.assert_allclose(imgs[0], expected)
    assert imgs[0].flags['C_CONTIGUOUS']
    gray = tensor2imgs(torch.ones(1, 1, 2, 2), to_bgr=False)
    np.testing.assert_allclose(gray[0], np.ones((2, 2, 1)))


@pytest.mark.parametrize(('tensor', 'kwargs', 'match'), [
    (torch.zeros(3, 2, 2), {}, '4-D'),
    (torch.zeros(1, 2, 2, 2), {}, '1 or 3 channels, got 2'),
    (torch.zeros(1, 3, 2, 2), dict(mean=(0, 0)), 'need 3 values \\(got 2 and 3\\)'),
    (torch.zeros(1, 1, 2, 2), {}, 'to_bgr must be False'),
])
def test_tensor2imgs_errors(tensor, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tensor2imgs(tensor, **kwargs)


def test_mmcv_full_available(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv', None)
    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)  # mmlightning.ops' stand-in
    assert mmcv_full_available() is False
