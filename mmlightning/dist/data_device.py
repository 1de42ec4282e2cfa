"""Which device tensors live on, and moving nested tensors to the communication device."""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import numpy as np
import torch
from torch import Tensor
from torch.distributed import ProcessGroup

from .utils import get_backend

# backend -> device type whose current device the backend communicates on
_BACKEND_DEVICES = {'nccl': 'cuda', 'smddp': 'cuda', 'hccl': 'npu', 'cncl': 'mlu',
                    'mccl': 'musa'}


def _same_device(devices: Iterable[torch.device]) -> torch.device:
    found: torch.device | None = None
    for device in devices:
        if found is not None and device != found:
            raise ValueError(f'device type in data should be consistent, but got {device} and '
                             f'{found}')
        found = device
    if found is None:
        raise ValueError('data should not be empty.')
    return found


def get_data_device(data: Tensor | Mapping | Iterable) -> torch.device:
    """Return the device of a tensor, or of all tensors in a (nested) dict or sequence.

    Args:
        data: A tensor, or a mapping / sequence (possibly nested) of tensors.

    Returns:
        The common device.

    Raises:
        ValueError: If ``data`` is empty or its tensors are on different devices.
        TypeError: If ``data`` holds something other than tensors.
    """
    if isinstance(data, Tensor):
        return data.device
    if isinstance(data, Mapping):
        return _same_device(get_data_device(v) for v in data.values())
    if isinstance(data, Iterable) and not isinstance(data, str):
        return _same_device(get_data_device(v) for v in data)
    raise TypeError(f'data should be a Tensor, sequence of tensor or dict, but got {data!r}')


def get_comm_device(group: ProcessGroup | None = None) -> torch.device:
    """Return the device the backend of ``group`` communicates on.

    NCCL (and SageMaker's smddp) use the current CUDA device, hccl/cncl/mccl
    the current NPU/MLU/MUSA device; gloo, mpi and non-distributed runs use the
    CPU.

    Args:
        group: The process group; the default group if None.

    Returns:
        The communication device.
    """
    device_type = _BACKEND_DEVICES.get(get_backend(group) or '')
    if device_type is None:
        return torch.device('cpu')
    return torch.device(device_type, getattr(torch, device_type).current_device())


def cast_data_device(data: Tensor | Mapping | Iterable, device: torch.device,
                     out: Tensor | Mapping | Iterable | None = None
                     ) -> Tensor | Mapping | Iterable:
    """Recursively move the tensors in ``data`` to ``device``.

    Tensors already on ``device`` are returned as they are. Containers keep
    their type.

    Args:
        data: A tensor, or a mapping / sequence (possibly nested) of tensors.
        device: Destination device.
        out: If given, a structure like ``data`` whose tensors receive the
            values in place (``copy_``).

    Returns:
        ``data`` on ``device``.

    Raises:
        TypeError: If ``out`` differs in type from ``data``, is a set, or
            ``data`` holds something other than tensors.
        ValueError: If ``data`` is empty or ``out`` has another length.
    """
    if out is not None:
        if type(data) is not type(out):
            raise TypeError(f'out should be the same type with data, but got data is '
                            f'{type(data)} and out is {type(out)}')
        if isinstance(out, set):
            raise TypeError('out should not be a set')
    if isinstance(data, Tensor):
        moved = data if data.device == device else data.to(device)
        if out is not None:
            out.copy_(moved)  # type: ignore[union-attr]
        return moved
    if isinstance(data, Mapping):
        if out is not None and len(data) != len(out):  # type: ignore[arg-type]
            raise ValueError(f'length of data and out should be same, but got {len(data)} and '
                             f'{len(out)}')  # type: ignore[arg-type]
        moved_map = {k: cast_data_device(v, device, None if out is None else out[k])  # type: ignore
                     for k, v in data.items()}
        if not moved_map:
            raise ValueError('data should not be empty')
        return type(data)(moved_map)  # type: ignore[call-arg]
    if isinstance(data, Iterable) and not isinstance(data, (str, np.ndarray)):
        outs: Iterable = out if out is not None else itertools.repeat(None)
        moved_seq = [cast_data_device(v, device, o) for v, o in zip(data, outs)]
        if not moved_seq:
            raise ValueError('data should not be empty')
        return type(data)(moved_seq)  # type: ignore[call-arg]
    raise TypeError(f'data should be a Tensor, list of tensor or dict, but got {data!r}')
