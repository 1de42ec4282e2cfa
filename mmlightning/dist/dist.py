"""Collectives with MMEngine's signatures: they return their results instead of filling lists.

Every function works on the default process group unless given ``group``, moves
tensors to the backend's device and back (so CPU tensors work under NCCL),
and is a no-op (or returns ``[data]``) in a single process.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch import distributed as torch_dist
from torch._utils import _flatten_dense_tensors, _take_tensors, _unflatten_dense_tensors
from torch.distributed import ProcessGroup

from mmlightning.utils.errors import AssertTypeError
from mmlightning.utils.suggestions import did_you_mean

from .data_device import cast_data_device, get_comm_device, get_data_device
from .utils import get_rank, get_world_size, group_or_default

_REDUCE_OPS = {
    'sum': torch_dist.ReduceOp.SUM,
    'product': torch_dist.ReduceOp.PRODUCT,
    'min': torch_dist.ReduceOp.MIN,
    'max': torch_dist.ReduceOp.MAX,
    'band': torch_dist.ReduceOp.BAND,
    'bor': torch_dist.ReduceOp.BOR,
    'bxor': torch_dist.ReduceOp.BXOR,
}


def _check_op(op: str) -> str:
    name = op.lower()
    if name != 'mean' and name not in _REDUCE_OPS:
        valid = ['mean', *_REDUCE_OPS]
        raise ValueError(f'reduce op should be one of {valid}, but got {op!r}.'
                         + did_you_mean(op, valid))
    return name


def all_reduce(data: Tensor, op: str = 'sum', group: ProcessGroup | None = None) -> None:
    """Reduce ``data`` in place across the group so every rank holds the result.

    Args:
        data: Input and output tensor.
        op: ``'sum'``, ``'mean'``, ``'product'``, ``'min'``, ``'max'``,
            ``'band'``, ``'bor'`` or ``'bxor'``. Defaults to ``'sum'``.
        group: Process group; the default group if None.

    Raises:
        ValueError: For an unknown ``op`` (checked in single processes too).
    """
    name = _check_op(op)
    world_size = get_world_size(group)
    if world_size == 1:
        return
    group = group_or_default(group)
    input_device = get_data_device(data)
    on_device = cast_data_device(data, get_comm_device(group))
    if name == 'mean':  # torch has no portable MEAN op: sum, then divide
        torch_dist.all_reduce(on_device, _REDUCE_OPS['sum'], group)
        on_device = torch.true_divide(on_device, world_size)
    else:
        torch_dist.all_reduce(on_device, _REDUCE_OPS[name], group)
    cast_data_device(on_device, input_device, out=data)


def all_gather(data: Tensor, group: ProcessGroup | None = None) -> list[Tensor]:
    """Return the list of every rank's ``data`` (same shape on all ranks), in rank order.

    Args:
        data: Tensor to gather.
        group: Process group; the default group if None.

    Returns:
        One tensor per rank, on ``data``'s device; ``[data]`` in a single process.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group_or_default(group)
    input_device = get_data_device(data)
    comm_device = get_comm_device(group)
    gather_list = [torch.empty_like(data, device=comm_device) for _ in range(world_size)]
    torch_dist.all_gather(gather_list, cast_data_device(data, comm_device), group)
    return cast_data_device(gather_list, input_device)  # type: ignore[return-value]


def gather(data: Tensor, dst: int = 0, group: ProcessGroup | None = None) -> list[Tensor]:
    """Gather every rank's ``data`` on rank ``dst`` (not supported by NCCL).

    Args:
        data: Tensor to gather.
        dst: Destination rank. Defaults to 0.
        group: Process group; the default group if None.

    Returns:
        On ``dst``, one tensor per rank; elsewhere an empty list; ``[data]`` in a
        single process.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group_or_default(group)
    input_device = get_data_device(data)
    comm_device = get_comm_device(group)
    is_dst = get_rank(group) == dst
    gather_list = ([torch.empty_like(data, device=comm_device) for _ in range(world_size)]
                   if is_dst else [])
    torch_dist.gather(cast_data_device(data, comm_device), gather_list or None, dst, group)
    if not is_dst:
        return []
    return cast_data_device(gather_list, input_device)  # type: ignore[return-value]


def broadcast(data: Tensor, src: int = 0, group: ProcessGroup | None = None) -> None:
    """Overwrite ``data`` on every rank with its value on rank ``src``.

    Args:
        data: Tensor of the same number of elements on all ranks.
        src: Source rank. Defaults to 0.
        group: Process group; the default group if None.
    """
    if get_world_size(group) == 1:
        return
    group = group_or_default(group)
    input_device = get_data_device(data)
    on_device = cast_data_device(data, get_comm_device(group)).contiguous()  # type: ignore
    torch_dist.broadcast(on_device, src, group)
    if get_rank(group) != src:
        cast_data_device(on_device, input_device, out=data)


def sync_random_seed(group: ProcessGroup | None = None) -> int:
    """Return a random seed that is the same on every rank.

    Each rank draws ``np.random.randint(2**31)``; rank 0's value is broadcast,
    so samplers shuffle with one permutation and take disjoint slices of it.

    Args:
        group: Process group; the default group if None.

    Returns:
        The seed.
    """
    seed = int(np.random.randint(2**31))
    if get_world_size(group) == 1:
        return seed
    group = group_or_default(group)
    value = seed if get_rank(group) == 0 else 0
    random_num = torch.tensor(value, dtype=torch.int32, device=get_comm_device(group))
    torch_dist.broadcast(random_num, src=0, group=group)
    return int(random_num.item())


def broadcast_object_list(data: list[Any], src: int = 0,
                          group: ProcessGroup | None = None) -> None:
    """Replace the items of ``data`` on every rank with those of rank ``src``.

    Args:
        data: Picklable objects; every rank passes a list of the same length.
        src: Source rank. Defaults to 0.
        group: Process group; the default group if None.

    Raises:
        TypeError: If ``data`` is not a list (also an ``AssertionError``, as MMEngine
            asserts it).
    """
    if not isinstance(data, list):
        raise AssertTypeError(f'broadcast_object_list expects a list (filled in place), got '
                        f'{type(data).__name__}; wrap the object: [obj].')
    if get_world_size(group) > 1:
        torch_dist.broadcast_object_list(data, src, group_or_default(group))


def all_reduce_dict(data: dict[str, Tensor], op: str = 'sum',
                    group: ProcessGroup | None = None) -> None:
    """Reduce every tensor of ``data`` in one collective; the values are replaced.

    Args:
        data: Same keys and shapes on every rank.
        op: Reduce op, as for :func:`all_reduce`.
        group: Process group; the default group if None.

    Raises:
        TypeError: If ``data`` is not a dict (also an ``AssertionError``, as MMEngine
            asserts it).
    """
    if not isinstance(data, dict):
        raise AssertTypeError(
            f'all_reduce_dict expects a dict of tensors, got {type(data).__name__}.')
    _check_op(op)
    if get_world_size(group) == 1:
        return
    keys = sorted(data)  # the same order on every rank
    flat = torch.cat([data[k].flatten() for k in keys])
    all_reduce(flat, op=op, group=group)
    for key, part in zip(keys, torch.split(flat, [data[k].numel() for k in keys])):
        data[key] = part.reshape(data[key].shape)


def all_gather_object(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Return the list of every rank's picklable ``data``, in rank order.

    Under NCCL the serialised objects travel on the current CUDA device, so set
    it (``torch.cuda.set_device``) first, as Lightning does.

    Args:
        data: Picklable object.
        group: Process group; the default group if None.

    Returns:
        One object per rank; ``[data]`` in a single process.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    gather_list: list[Any] = [None] * world_size
    torch_dist.all_gather_object(gather_list, data, group_or_default(group))
    return gather_list


def gather_object(data: Any, dst: int = 0,
                  group: ProcessGroup | None = None) -> list[Any] | None:
    """Gather every rank's picklable ``data`` on rank ``dst`` (not supported by NCCL).

    Args:
        data: Picklable object.
        dst: Destination rank. Defaults to 0.
        group: Process group; the default group if None.

    Returns:
        On ``dst``, one object per rank; elsewhere None; ``[data]`` in a single
        process.
    """
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    group = group_or_default(group)
    gather_list = [None] * world_size if get_rank(group) == dst else None
    torch_dist.gather_object(data, gather_list, dst, group)
    return gather_list


def _all_reduce_coalesced(tensors: list[Tensor], bucket_size_mb: int = -1, op: str = 'sum',
                          group: ProcessGroup | None = None) -> None:
    if bucket_size_mb > 0:
        buckets: Iterable[list[Tensor]] = _take_tensors(tensors, bucket_size_mb * 1024 * 1024)
    else:
        by_type: OrderedDict[str, list[Tensor]] = OrderedDict()
        for tensor in tensors:
            by_type.setdefault(tensor.type(), []).append(tensor)
        buckets = by_type.values()
    for bucket in buckets:
        flat = _flatten_dense_tensors(bucket)
        all_reduce(flat, op=op, group=group)
        for tensor, synced in zip(bucket, _unflatten_dense_tensors(flat, bucket)):
            tensor.copy_(synced)


def all_reduce_params(params: Iterable[Tensor], coalesce: bool = True, bucket_size_mb: int = -1,
                      op: str = 'sum', group: ProcessGroup | None = None) -> None:
    """All-reduce model parameters or buffers in place.

    Args:
        params: Parameters or buffers (their ``.data`` is reduced).
        coalesce: Reduce them flattened together, by dtype bucket. Defaults to True.
        bucket_size_mb: Bucket size in MB when coalescing; -1 groups by dtype only.
        op: Reduce op, as for :func:`all_reduce`.
        group: Process group; the default group if None.
    """
    _check_op(op)
    if get_world_size(group) == 1:
        return
    data = [param.data for param in params]
    if coalesce:
        _all_reduce_coalesced(data, bucket_size_mb, op=op, group=group)
    else:
        for tensor in data:
            all_reduce(tensor, op=op, group=group)
