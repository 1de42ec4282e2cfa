"""``modulated_deform_conv_*``: mmcv's modulated deformable convolution (DCNv2) kernels.

Calling conventions of mmcv 2.1.0's ``ModulatedDeformConv2dFunction``: outputs are written in
place into the tensors the wrapper allocated; ``columns`` and ``ones`` are mmcv's scratch buffers
and are not used; without ``with_bias`` the ``bias`` tensor is an empty placeholder.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.deform_im2col import check_shapes, deform_conv

__all__ = ['modulated_deform_conv_backward', 'modulated_deform_conv_forward']

Pair = tuple[int, int]


def _geometry(input: Tensor, offset: Tensor, mask: Tensor, weight: Tensor, stride: Pair,
              padding: Pair, dilation: Pair, group: int, deformable_group: int) -> dict:
    """Checks the shapes; returns the keyword arguments of :func:`deform_conv`."""
    check_shapes(input, offset, mask, weight, stride, padding, dilation, group, deformable_group)
    return {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': group,
            'deform_groups': deformable_group}


def modulated_deform_conv_forward(input: Tensor, weight: Tensor, bias: Tensor, ones: Tensor,
                                  offset: Tensor, mask: Tensor, output: Tensor, columns: Tensor,
                                  kernel_h: int, kernel_w: int, stride_h: int, stride_w: int,
                                  pad_h: int, pad_w: int, dilation_h: int, dilation_w: int,
                                  group: int, deformable_group: int, with_bias: bool) -> None:
    """Writes the modulated deformable convolution of ``input`` into ``output``."""
    del ones, columns, kernel_h, kernel_w  # scratch buffers; the kernel size is the weight's
    geometry = _geometry(input, offset, mask, weight, (stride_h, stride_w), (pad_h, pad_w),
                         (dilation_h, dilation_w), group, deformable_group)
    with torch.no_grad():
        output.copy_(deform_conv(input, offset, mask, weight, bias if with_bias else None,
                                 **geometry))


def modulated_deform_conv_backward(input: Tensor, weight: Tensor, bias: Tensor, ones: Tensor,
                                   offset: Tensor, mask: Tensor, columns: Tensor,
                                   grad_input: Tensor, grad_weight: Tensor, grad_bias: Tensor,
                                   grad_offset: Tensor, grad_mask: Tensor, grad_output: Tensor,
                                   kernel_h: int, kernel_w: int, stride_h: int, stride_w: int,
                                   pad_h: int, pad_w: int, dilation_h: int, dilation_w: int,
                                   group: int, deformable_group: int, with_bias: bool) -> None:
    """Writes the gradients of the loss with respect to every input into the ``grad_*``."""
    del ones, columns
    geometry = _geometry(input, offset, mask, weight, (stride_h, stride_w), (pad_h, pad_w),
                         (dilation_h, dilation_w), group, deformable_group)
    leaves = [t.detach().requires_grad_() for t in (input, offset, mask, weight)]
    if with_bias:
        leaves.append(bias.detach().requires_grad_())
    with torch.enable_grad():
        out = deform_conv(*leaves[:4], leaves[4] if with_bias else None, **geometry)
        grads = torch.autograd.grad(out, leaves, grad_output)
    targets = (grad_input, grad_offset, grad_mask, grad_weight, grad_bias)
    for target, grad in zip(targets, grads):
        target.copy_(grad)
