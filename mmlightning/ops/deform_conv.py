"""``deform_conv_*``: mmcv's deformable convolution (``DeformConv2d``, DCNv1) kernels.

Calling conventions of mmcv 2.1.0's ``DeformConv2dFunction``: outputs are written in place into
the tensors the wrapper allocated; ``columns`` and ``ones`` are mmcv's scratch buffers and are
not used. The batch is processed ``im2col_step`` samples at a time, as mmcv does, which bounds
the memory of the sampled columns.
"""

from __future__ import annotations

import torch
from torch import Tensor

from mmlightning.ops.deform_im2col import batch_chunks, check_shapes, deform_conv, weight_grad

__all__ = ['deform_conv_backward_input', 'deform_conv_backward_parameters', 'deform_conv_forward']


def deform_conv_forward(input: Tensor, weight: Tensor, offset: Tensor, output: Tensor,
                        columns: Tensor, ones: Tensor, kW: int, kH: int, dW: int, dH: int,
                        padW: int, padH: int, dilationW: int, dilationH: int, group: int,
                        deformable_group: int, im2col_step: int) -> None:
    """Writes the deformable convolution of ``input`` into ``output`` (N, C_out, Ho, Wo)."""
    del columns, ones, kW, kH  # mmcv's scratch buffers; the kernel size is the weight's
    stride, padding, dilation = (dH, dW), (padH, padW), (dilationH, dilationW)
    check_shapes(input, offset, None, weight, stride, padding, dilation, group, deformable_group)
    with torch.no_grad():
        for part in batch_chunks(input.shape[0], im2col_step):
            output[part] = deform_conv(input[part], offset[part], None, weight, None, stride,
                                       padding, dilation, group, deformable_group)


def deform_conv_backward_input(input: Tensor, offset: Tensor, gradOutput: Tensor,
                               gradInput: Tensor, gradOffset: Tensor, weight: Tensor,
                               columns: Tensor, kW: int, kH: int, dW: int, dH: int, padW: int,
                               padH: int, dilationW: int, dilationH: int, group: int,
                               deformable_group: int, im2col_step: int) -> None:
    """Writes ``d loss / d input`` into ``gradInput`` and ``d loss / d offset`` into
    ``gradOffset``."""
    del columns, kW, kH
    stride, padding, dilation = (dH, dW), (padH, padW), (dilationH, dilationW)
    check_shapes(input, offset, None, weight, stride, padding, dilation, group, deformable_group)
    weight = weight.detach()
    for part in batch_chunks(input.shape[0], im2col_step):
        with torch.enable_grad():
            inp = input[part].detach().requires_grad_()
            off = offset[part].detach().requires_grad_()
            out = deform_conv(inp, off, None, weight, None, stride, padding, dilation, group,
                              deformable_group)
            grad_inp, grad_off = torch.autograd.grad(out, (inp, off), gradOutput[part])
        gradInput[part] = grad_inp
        gradOffset[part] = grad_off


def deform_conv_backward_parameters(input: Tensor, offset: Tensor, gradOutput: Tensor,
                                    gradWeight: Tensor, columns: Tensor, ones: Tensor, kW: int,
                                    kH: int, dW: int, dH: int, padW: int, padH: int,
                                    dilationW: int, dilationH: int, group: int,
                                    deformable_group: int, scale: float,
                                    im2col_step: int) -> None:
    """Adds ``scale * d loss / d weight`` to ``gradWeight``, as mmcv's ``addmm_`` does."""
    del columns, ones
    stride, padding, dilation = (dH, dW), (padH, padW), (dilationH, dilationW)
    check_shapes(input, offset, None, gradWeight, stride, padding, dilation, group,
                 deformable_group)
    with torch.no_grad():
        for part in batch_chunks(input.shape[0], im2col_step):
            grad = weight_grad(input[part], offset[part], None, gradOutput[part], (kH, kW),
                               stride, padding, dilation, group, deformable_group)
            gradWeight.add_(grad.to(gradWeight.dtype), alpha=scale)
