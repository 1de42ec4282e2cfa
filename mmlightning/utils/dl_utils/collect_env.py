"""A summary of the running environment, for bug reports and log headers."""
from __future__ import annotations

import importlib.metadata
import os
import os.path as osp
import subprocess
import sys
import sysconfig
from collections import defaultdict
from typing import Any

import numpy as np
import torch

import mmlightning


def _run(cmd: list[str]) -> str:
    """Return the stripped stdout of ``cmd``; raises ``OSError``/``CalledProcessError``."""
    return subprocess.check_output(cmd, stderr=subprocess.STDOUT).decode('utf-8').strip()


def _device_names(count: int, get_name: Any) -> dict[str, str]:
    """``{'GPU 0,1': 'NVIDIA H100', ...}``: device indices grouped by model name."""
    devices: defaultdict[str, list[str]] = defaultdict(list)
    for k in range(count):
        devices[get_name(k)].append(str(k))
    return {'GPU ' + ','.join(ids): name for name, ids in devices.items()}


def _cuda_info() -> dict[str, Any]:
    """GPU names, ``CUDA_HOME`` and the nvcc (or hipcc on ROCm) version."""
    from torch.utils.cpp_extension import CUDA_HOME, ROCM_HOME

    info: dict[str, Any] = _device_names(torch.cuda.device_count(), torch.cuda.get_device_name)
    home = ROCM_HOME if torch.version.hip is not None else CUDA_HOME
    info['CUDA_HOME'] = home
    if home is not None and osp.isdir(home):
        if torch.version.hip is not None:
            compiler, flag, marker, name = 'hip/bin/hipcc', '--version', 'HIP version:', None
        else:
            compiler, flag, marker, name = 'bin/nvcc', '-V', 'Cuda compilation tools', 'Build '
        try:
            out = _run([osp.join(home, compiler), flag])
            end = out.rfind(name) if name else len(out)
            info['NVCC'] = out[out.rfind(marker):end].strip()
        except (OSError, subprocess.SubprocessError):
            info['NVCC'] = 'Not Available'
    return info


def _musa_info() -> dict[str, Any]:
    """MUSA device names, ``MUSA_HOME`` and the mcc path."""
    musa = torch.musa  # type: ignore[attr-defined]
    info: dict[str, Any] = _device_names(musa.device_count(), musa.get_device_name)
    home = os.environ.get('MUSA_HOME')
    info['MUSA_HOME'] = home
    if home is not None and osp.isdir(home):
        mcc = osp.join(home, 'bin/mcc')
        try:
            _run([mcc, '-v'])
            info['mcc'] = mcc
        except (OSError, subprocess.SubprocessError):
            info['mcc'] = 'Not Available'
    return info


def _compiler_version() -> str:
    """First line of ``$CC --version`` (the compiler Python was built with), else ``'n/a'``."""
    cc = sysconfig.get_config_var('CC')
    if not cc:
        return 'n/a'
    try:
        return _run([osp.basename(cc.split()[0]), '--version']).partition('\n')[0].strip()
    except (OSError, subprocess.SubprocessError):
        return 'n/a'


def _is_musa_available() -> bool:
    return hasattr(torch, 'musa') and torch.musa.is_available()


def _optional_versions() -> dict[str, str]:
    """Versions of TorchVision and OpenCV when they are installed."""
    info = {}
    for key, module_name in (('TorchVision', 'torchvision'), ('OpenCV', 'cv2')):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        info[key] = module.__version__
    return info


def collect_env() -> dict[str, Any]:
    """Collect information about the running environment.

    Returns:
        An insertion-ordered dict with the keys MMEngine's ``collect_env`` has:
        ``sys.platform``, ``Python``, ``CUDA available``, ``MUSA available``,
        ``numpy_random_seed``, ``GPU <ids>`` (per device model), ``CUDA_HOME`` and
        ``NVCC`` (CUDA/ROCm only), ``MUSA_HOME`` and ``mcc`` (MUSA only), ``GCC``,
        ``PyTorch``, ``PyTorch compiling details``, ``TorchVision`` and ``OpenCV``
        (when installed), ``MMEngine`` (the version of the engine in use, which is
        mmlightning's: code reading this key gets the engine it runs on); plus
        ``MPS available``, ``Lightning`` and ``MMLightning`` (the same version).
    """
    cuda_available = torch.cuda.is_available()
    musa_available = _is_musa_available()
    env_info: dict[str, Any] = {
        'sys.platform': sys.platform,
        'Python': sys.version.replace('\n', ''),
        'CUDA available': cuda_available,
        'MUSA available': musa_available,
        'MPS available': torch.backends.mps.is_available(),
        'numpy_random_seed': np.random.get_state()[1][0],
    }
    if cuda_available:
        env_info.update(_cuda_info())
    elif musa_available:
        env_info.update(_musa_info())
    env_info['GCC'] = _compiler_version()
    env_info['PyTorch'] = torch.__version__
    env_info['PyTorch compiling details'] = torch.__config__.show()
    env_info.update(_optional_versions())
    env_info['Lightning'] = importlib.metadata.version('lightning')  # importing it is slow
    env_info['MMEngine'] = mmlightning.__version__
    env_info['MMLightning'] = mmlightning.__version__
    return env_info
