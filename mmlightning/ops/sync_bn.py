"""``sync_bn_*``: the per-process steps of mmcv's ``SyncBatchNorm``.

mmcv's ``SyncBatchNormFunction`` computes per-channel statistics of the local batch with these
kernels and all-reduces them between the steps itself; the kernels only see local tensors, so
one process (CPU or GPU) needs no communication. Tensors are ``(N, C, L)`` (spatial dims
flattened); statistics are float32 as in mmcv. ``running_var`` takes the unbiased variance of
the ``N * L * group_size`` values the statistics came from.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['sync_bn_backward_data', 'sync_bn_backward_param', 'sync_bn_forward_mean',
           'sync_bn_forward_output', 'sync_bn_forward_var']


def _per_channel(values: Tensor) -> Tensor:
    """``(N, C, L)`` -> ``(C,)`` float32 sums."""
    return values.float().sum(dim=(0, 2))


def sync_bn_forward_mean(input: Tensor, mean: Tensor) -> None:
    """Writes the per-channel mean of ``input`` (N, C, L) into ``mean``."""
    mean.copy_(_per_channel(input) / (input.shape[0] * input.shape[2]))


def sync_bn_forward_var(input: Tensor, mean: Tensor, var: Tensor) -> None:
    """Writes the per-channel mean of ``(input - mean) ** 2`` into ``var``."""
    centred = input.float() - mean.reshape(1, -1, 1)
    var.copy_(_per_channel(centred * centred) / (input.shape[0] * input.shape[2]))


def sync_bn_forward_output(input: Tensor, mean: Tensor, var: Tensor, weight: Tensor | None,
                           bias: Tensor | None, running_mean: Tensor | None,
                           running_var: Tensor | None, norm: Tensor, std: Tensor,
                           output: Tensor, eps: float, momentum: float | Tensor,
                           group_size: int) -> None:
    """Normalises ``input`` into ``output`` (and ``norm``), keeps ``std``, updates the running
    statistics with ``momentum``."""
    std_value = torch.sqrt(var.float() + eps)
    normed = (input.float() - mean.reshape(1, -1, 1)) / std_value.reshape(1, -1, 1)
    norm.copy_(normed)
    std.copy_(std_value)
    if weight is not None:
        normed = normed * weight.float().reshape(1, -1, 1) + bias.float().reshape(1, -1, 1)
    output.copy_(normed)
    if running_mean is None or running_var is None:
        return
    count = input.shape[0] * input.shape[2] * group_size
    unbiased = var * count / (count - 1) if count > 1 else var
    running_mean.copy_(momentum * mean + (1 - momentum) * running_mean)
    running_var.copy_(momentum * unbiased + (1 - momentum) * running_var)


def sync_bn_backward_param(grad_output: Tensor, norm: Tensor, grad_weight: Tensor,
                           grad_bias: Tensor) -> None:
    """Writes the local ``d loss / d weight`` and ``d loss / d bias`` (per channel)."""
    grad_weight.copy_(_per_channel(grad_output.float() * norm))
    grad_bias.copy_(_per_channel(grad_output))


def sync_bn_backward_data(grad_output: Tensor, weight: Tensor, grad_weight: Tensor,
                          grad_bias: Tensor, norm: Tensor, std: Tensor,
                          grad_input: Tensor) -> None:
    """Writes ``d loss / d input`` from the (all-reduced, averaged) parameter gradients."""
    count = grad_output.shape[0] * grad_output.shape[2]
    correction = (grad_weight.reshape(1, -1, 1) * norm + grad_bias.reshape(1, -1, 1)) / count
    grad = weight.float().reshape(1, -1, 1) * (grad_output.float() - correction)
    grad_input.copy_(grad / std.reshape(1, -1, 1))
