"""The one-line environment summary the Runner prints on the console.

The full ``collect_env`` block (compilers, torch's build settings, ...) goes to the log file only.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SUMMARY_KEYS = ('Python', 'PyTorch', 'Lightning', 'MMLightning')


def environment_summary(env: Mapping[str, Any]) -> str:
    """The summary line: ``Environment: Python 3.11.7, ..., CUDA: NVIDIA H200 (GPU 0)``.

    Args:
        env: What :func:`mmlightning.utils.dl_utils.collect_env` returned.

    Returns:
        The versions of Python, PyTorch, Lightning and mmlightning, then the accelerator
        (the GPU names with CUDA, ``CUDA: no`` without).
    """
    parts = [f"{key} {str(env[key]).split(' ')[0]}" for key in _SUMMARY_KEYS if key in env]
    gpus = [f'{value} ({key})' for key, value in env.items() if str(key).startswith('GPU ')]
    if env.get('CUDA available'):
        parts.append('CUDA: ' + (', '.join(gpus) or 'yes'))
    else:
        parts.append('CUDA: no')
    return 'Environment: ' + ', '.join(parts)
