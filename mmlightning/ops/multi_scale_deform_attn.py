"""``ms_deform_attn_*``: mmcv's multi-scale deformable attention (Deformable DETR) kernels.

Each query's head reads ``num_points`` bilinear samples from each level's value map at
normalised ``(x, y)`` locations (pixel ``j`` spans ``[j / W, (j + 1) / W)``, outside reads 0:
``grid_sample(align_corners=False, padding_mode='zeros')`` of ``2 * loc - 1``, mmcv's CUDA
kernel's rule) and sums them weighted by the attention weights. Calling conventions of mmcv
2.1.0's ``MultiScaleDeformableAttnFunction``: the forward returns the output, the backward
writes into the ``grad_*`` tensors the wrapper allocated.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from mmlightning.ops.deform_im2col import batch_chunks

__all__ = ['ms_deform_attn_backward', 'ms_deform_attn_forward']


def _check(value: Tensor, spatial_shapes: Tensor, level_start_index: Tensor,
           sampling_loc: Tensor, attn_weight: Tensor) -> None:
    """Raises ``ValueError`` where the shapes disagree (mmcv's CUDA kernel asserts)."""
    batch, keys, heads = value.shape[:3]
    levels = spatial_shapes.shape[0]
    if sampling_loc.dim() != 6 or tuple(sampling_loc.shape[:4:2]) != (batch, heads) \
            or sampling_loc.shape[3] != levels or sampling_loc.shape[5] != 2:
        raise ValueError(f'sampling_loc has shape {tuple(sampling_loc.shape)}; expected '
                         f'(bs={batch}, num_queries, num_heads={heads}, num_levels={levels}, '
                         'num_points, 2)')
    if tuple(attn_weight.shape) != tuple(sampling_loc.shape[:5]):
        raise ValueError(f'attn_weight has shape {tuple(attn_weight.shape)}; expected '
                         f'{tuple(sampling_loc.shape[:5])}')
    if int(spatial_shapes.prod(1).sum()) != keys or level_start_index.numel() != levels:
        raise ValueError(f'value has {keys} keys but spatial_shapes {spatial_shapes.tolist()} '
                         f'and level_start_index {level_start_index.tolist()} describe another '
                         'layout')


def _attend(value: Tensor, spatial_shapes: list[list[int]], starts: list[int],
            sampling_loc: Tensor, attn_weight: Tensor) -> Tensor:
    """The attention output ``(bs, num_queries, num_heads * embed_dims)``, differentiable."""
    batch, _, heads, dims = value.shape
    queries, points = sampling_loc.shape[1], sampling_loc.shape[4]
    out = value.new_zeros(batch * heads, dims, queries)
    for level, ((height, width), start) in enumerate(zip(spatial_shapes, starts)):
        feature = value[:, start:start + height * width].permute(0, 2, 3, 1)
        feature = feature.reshape(batch * heads, dims, height, width)
        loc = sampling_loc[:, :, :, level].transpose(1, 2).reshape(batch * heads, queries,
                                                                   points, 2)
        sampled = F.grid_sample(feature, 2 * loc - 1, mode='bilinear', padding_mode='zeros',
                                align_corners=False)  # (bs * heads, dims, queries, points)
        weight = attn_weight[:, :, :, level].transpose(1, 2).reshape(batch * heads, 1, queries,
                                                                     points)
        out = out + (sampled * weight).sum(-1)
    out = out.view(batch, heads, dims, queries).permute(0, 3, 1, 2)
    return out.reshape(batch, queries, heads * dims)


def ms_deform_attn_forward(value: Tensor, spatial_shapes: Tensor, level_start_index: Tensor,
                           sampling_loc: Tensor, attn_weight: Tensor,
                           im2col_step: int) -> Tensor:
    """Multi-scale deformable attention of ``value`` ``(bs, num_keys, num_heads, embed_dims)``.

    Returns:
        ``(bs, num_queries, num_heads * embed_dims)``.
    """
    _check(value, spatial_shapes, level_start_index, sampling_loc, attn_weight)
    shapes, starts = spatial_shapes.tolist(), level_start_index.tolist()
    with torch.no_grad():
        parts = [_attend(value[part], shapes, starts, sampling_loc[part], attn_weight[part])
                 for part in batch_chunks(value.shape[0], int(im2col_step))]
    if not parts:  # an empty batch
        return value.new_zeros(0, sampling_loc.shape[1], value.shape[2] * value.shape[3])
    return torch.cat(parts) if len(parts) > 1 else parts[0]


def ms_deform_attn_backward(value: Tensor, spatial_shapes: Tensor, level_start_index: Tensor,
                            sampling_loc: Tensor, attn_weight: Tensor, grad_output: Tensor,
                            grad_value: Tensor, grad_sampling_loc: Tensor,
                            grad_attn_weight: Tensor, im2col_step: int) -> None:
    """Writes the gradients for value, sampling locations and attention weights in place."""
    _check(value, spatial_shapes, level_start_index, sampling_loc, attn_weight)
    shapes, starts = spatial_shapes.tolist(), level_start_index.tolist()
    for part in batch_chunks(value.shape[0], int(im2col_step)):
        leaves = [t[part].detach().requires_grad_() for t in (value, sampling_loc, attn_weight)]
        with torch.enable_grad():
            out = _attend(leaves[0], shapes, starts, leaves[1], leaves[2])
            grads = torch.autograd.grad(out, leaves, grad_output[part])
        for target, grad in zip((grad_value, grad_sampling_loc, grad_attn_weight), grads):
            target[part] = grad
