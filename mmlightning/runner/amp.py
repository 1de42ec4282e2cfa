"""``autocast``: one mixed-precision context for every device (``mmengine.runner.amp``).

Under the Runner, mixed precision is Lightning's precision plugin
(``optim_wrapper=dict(type='AmpOptimWrapper')`` or ``trainer=dict(precision=...)``); this
context is for code that autocasts a region itself (a model's ``forward``, inference).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from mmlightning.device import get_device

#: Devices ``torch.autocast`` is asked for; others only run with ``enabled=False``.
_AUTOCAST_DEVICES = ('cuda', 'cpu', 'mlu', 'npu', 'musa', 'xpu', 'hpu')


def _default_dtype(device_type: str) -> torch.dtype:
    """The dtype autocast uses on ``device_type`` unless one is given."""
    if device_type == 'cpu':
        return torch.bfloat16
    if hasattr(torch, 'get_autocast_dtype'):
        return torch.get_autocast_dtype(device_type)
    return torch.get_autocast_gpu_dtype()


@contextmanager
def autocast(device_type: str | None = None, dtype: torch.dtype | None = None,
             enabled: bool = True, cache_enabled: bool | None = None) -> Iterator[None]:
    """Run the block in mixed precision on ``device_type`` (``torch.autocast``).

    Args:
        device_type: ``'cuda'``, ``'cpu'``, ``'npu'``, ``'mlu'``, ``'musa'``...;
            defaults to the current device (:func:`mmlightning.device.get_device`).
        dtype: ``torch.float16`` or ``torch.bfloat16``; defaults to the device's
            autocast dtype (``bfloat16`` on CPU).
        enabled: False runs the block in full precision (also inside an autocast block).
        cache_enabled: Cache the casted weights; defaults to torch's setting.

    Raises:
        RuntimeError: If ``bfloat16`` is asked for on a CUDA device without it.
        ValueError: If ``enabled`` and the device has no autocast (``'mps'`` with
            older torch versions, an unknown name).

    Example::

        >>> with autocast(device_type='cpu'):
        ...     y = torch.nn.Linear(2, 2)(torch.ones(1, 2))
        >>> y.dtype
        torch.bfloat16
    """
    device_type = get_device() if device_type is None else device_type
    if cache_enabled is None:
        cache_enabled = torch.is_autocast_cache_enabled()
    if device_type not in _AUTOCAST_DEVICES:
        if enabled:
            raise ValueError('User specified autocast device_type must be cuda or cpu, but got '
                             f'{device_type!r} (autocast there is not available; pass '
                             'enabled=False to run the block in full precision)')
        yield
        return
    if dtype is None and device_type in ('cuda', 'cpu', 'musa'):
        dtype = _default_dtype(device_type)
    if device_type == 'cuda' and enabled and dtype == torch.bfloat16 \
            and not torch.cuda.is_bf16_supported():
        raise RuntimeError('Current CUDA Device does not support bfloat16. Please switch dtype '
                           'to float16.')
    with torch.autocast(device_type=device_type, enabled=enabled, dtype=dtype,
                        cache_enabled=cache_enabled):
        yield
