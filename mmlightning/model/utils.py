"""Model utilities: batch stacking, dict merging, SyncBN conversion, unused-parameter check."""
from __future__ import annotations

import logging
import math
from typing import Any

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import SyncBatchNorm, _BatchNorm

logger = logging.getLogger('mmlightning')


def stack_batch(tensor_list: list[torch.Tensor], pad_size_divisor: int = 1,
                pad_value: int | float = 0) -> torch.Tensor:
    """Stack tensors into a batch, padding each at the right/bottom to a common shape.

    Every dimension but the first (channels) is padded to the largest size
    in the batch, rounded up to a multiple of ``pad_size_divisor``.

    Args:
        tensor_list: Tensors with the same number of dimensions.
        pad_size_divisor: Padded sizes are multiples of this.
        pad_value: Value of the padding.

    Returns:
        Tensor: The batch, with one more dimension.

    Raises:
        TypeError: If ``tensor_list`` is not a list.
        ValueError: If it is empty or its tensors differ in dimensions.
    """
    if not isinstance(tensor_list, list):
        raise TypeError(f'stack_batch expects a list of tensors, got {type(tensor_list).__name__}')
    if not tensor_list:
        raise ValueError('stack_batch got an empty list; pass at least one tensor')
    ndims = [tensor.ndim for tensor in tensor_list]
    if len(set(ndims)) != 1:
        raise ValueError(f'stack_batch needs tensors with the same number of dimensions, '
                         f'got {ndims}')
    shapes = [tuple(tensor.shape) for tensor in tensor_list]
    target = [max(sizes) for sizes in zip(*shapes)]
    target = [target[0]] + [math.ceil(size / pad_size_divisor) * pad_size_divisor
                            for size in target[1:]]
    if all(list(shape[1:]) == target[1:] for shape in shapes):
        return torch.stack(tensor_list)
    padded = []
    for tensor, shape in zip(tensor_list, shapes):
        pad: list[int] = []
        for dim in range(len(shape) - 1, 0, -1):  # F.pad lists the last dimension first
            pad += [0, target[dim] - shape[dim]]
        padded.append(F.pad(tensor, pad, value=pad_value))
    return torch.stack(padded)


@torch.fx.wrap
def merge_dict(*args: dict) -> dict:
    """Merge dicts into a new one, later ones winning (skipped by ``torch.fx`` tracing).

    Use it instead of ``dict.update`` in code that ``torch.fx.symbolic_trace``
    must trace, e.g. to combine the loss dicts of several heads.

    Raises:
        TypeError: If an argument is not a dict.
    """
    output: dict = {}
    for item in args:
        if not isinstance(item, dict):
            raise TypeError(f'all arguments of merge_dict must be dicts, got {type(item).__name__}')
        output.update(item)
    return output


def detect_anomalous_params(loss: torch.Tensor, model: nn.Module) -> None:
    """Log (at ERROR) each trainable parameter of ``model`` that ``loss`` does not depend on.

    Such parameters get no gradient, which breaks DDP without
    ``find_unused_parameters=True``.
    """
    in_graph: set[Any] = set()
    visited: set[Any] = set()
    stack = [loss.grad_fn]
    while stack:
        grad_fn = stack.pop()
        if grad_fn is None or grad_fn in visited:
            continue
        visited.add(grad_fn)
        if hasattr(grad_fn, 'variable'):
            in_graph.add(grad_fn.variable)
        stack.extend(parent for parent, _ in grad_fn.next_functions or ())
    for name, param in model.named_parameters():
        if param not in in_graph and param.requires_grad:
            logger.error(f'{name} with shape {param.size()} is not in the computational graph \n')


class _BatchNormXd(_BatchNorm):
    """BatchNorm without the input-dimension check (the target of ``revert_sync_batchnorm``)."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        return


def run_forward(model: nn.Module, data: dict | tuple | list, mode: str) -> Any:
    """Call ``model(**data, mode=mode)`` for a dict, ``model(*data, mode=mode)`` for a sequence.

    Args:
        model: The model (or a wrapper whose ``forward`` reaches it).
        data: The preprocessed batch.
        mode: ``'loss'``, ``'predict'`` or ``'tensor'``.

    Returns:
        The model's output.

    Raises:
        TypeError: If ``data`` is neither.
    """
    if isinstance(data, dict):
        return model(**data, mode=mode)
    if isinstance(data, (list, tuple)):
        return model(*data, mode=mode)
    raise TypeError('Output of data_preprocessor should be a list, tuple or dict, '
                    f'but got {type(data).__name__}')


def _copy_bn_state(source: _BatchNorm, target: _BatchNorm) -> None:
    if source.affine:
        with torch.no_grad():
            target.weight = source.weight
            target.bias = source.bias
    target.running_mean = source.running_mean
    target.running_var = source.running_var
    target.num_batches_tracked = source.num_batches_tracked
    if hasattr(source, 'qconfig'):
        target.qconfig = source.qconfig


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``SyncBatchNorm`` in ``module`` with an equivalent plain BatchNorm.

    Useful to run a SyncBN model on CPU or in one process.

    Returns:
        nn.Module: The converted module (``module`` itself unless it is a SyncBN).
    """
    output = module
    if isinstance(module, SyncBatchNorm):
        output = _BatchNormXd(module.num_features, module.eps, module.momentum, module.affine,
                              module.track_running_stats)
        _copy_bn_state(module, output)
        output.training = module.training
    for name, child in module.named_children():
        try:
            output.add_module(name, revert_sync_batchnorm(child))
        except Exception:  # some third-party modules refuse add_module
            logger.warning(f'Failed to convert {child} from SyncBN to BN!')
    return output


def _mmcv_sync_batchnorm() -> type[nn.Module]:
    """mmcv's ``SyncBatchNorm`` class, which needs a process group and mmcv's compiled ops."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError("convert_sync_batchnorm(implementation='mmcv'): mmcv's SyncBatchNorm "
                           'is only supported on distributed training (it reads the world size '
                           'when built); call torch.distributed.init_process_group first, or use '
                           "implementation='torch'")
    try:
        from mmcv.ops import SyncBatchNorm
    except ImportError as error:
        raise ModuleNotFoundError(
            f"convert_sync_batchnorm(implementation='mmcv') needs mmcv with its compiled ops "
            f"({error}); mmcv-lite has none: use implementation='torch'",
            name=error.name) from error
    return SyncBatchNorm


def convert_sync_batchnorm(module: nn.Module, implementation: str = 'torch') -> nn.Module:
    """Replace every BatchNorm in ``module`` with ``torch.nn.SyncBatchNorm``.

    Args:
        module: The module to convert.
        implementation: ``'torch'`` (``'mmcv'`` needs mmcv's SyncBatchNorm).

    Returns:
        nn.Module: The converted module.

    Raises:
        ValueError: If ``implementation`` is unknown.
        RuntimeError: For ``'mmcv'`` without an initialised process group.
        ModuleNotFoundError: For ``'mmcv'`` when mmcv's compiled ops are missing.
    """
    output = module
    if isinstance(module, _BatchNorm):
        if implementation == 'torch':
            sync_bn: type[nn.Module] = SyncBatchNorm
        elif implementation == 'mmcv':
            sync_bn = _mmcv_sync_batchnorm()
        else:
            raise ValueError(f"sync_bn implementation must be 'torch' or 'mmcv', "
                             f'got {implementation!r}')
        output = sync_bn(module.num_features, module.eps, module.momentum, module.affine,
                         module.track_running_stats)
        _copy_bn_state(module, output)
    for name, child in module.named_children():
        output.add_module(name, convert_sync_batchnorm(child, implementation))
    return output
