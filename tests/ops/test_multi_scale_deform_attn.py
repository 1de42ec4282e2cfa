"""ms_deform_attn kernels through mmcv's MultiScaleDeformableAttnFunction."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck


def _msda(mmcv_ops):
    """mmcv's autograd Function of the kernels (``mmcv.ops`` exports only the module)."""
    return mmcv_ops.multi_scale_deform_attn.MultiScaleDeformableAttnFunction.apply


def _inputs(batch=2, heads=2, dims=3, queries=4, points=2, dtype=torch.double):
    gen = torch.Generator().manual_seed(1)
    shapes = torch.tensor([[4, 3], [2, 2], [1, 3]])
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    keys = int(shapes.prod(1).sum())
    value = torch.randn(batch, keys, heads, dims, generator=gen, dtype=dtype)
    # locations a little beyond [0, 1]: border samples are partly or wholly zero
    loc = torch.rand(batch, queries, heads, 3, points, 2, generator=gen, dtype=dtype) * 1.4 - 0.2
    attn = torch.rand(batch, queries, heads, 3, points, generator=gen, dtype=dtype)
    return value, shapes, starts, loc, attn


def test_forward_matches_mmcvs_pytorch_version(mmcv_ops):
    from mmcv.ops.multi_scale_deform_attn import multi_scale_deformable_attn_pytorch

    value, shapes, starts, loc, attn = _inputs()
    out = _msda(mmcv_ops)(value, shapes, starts, loc, attn, 1)
    assert out.shape == (2, 4, 6)
    torch.testing.assert_close(out, multi_scale_deformable_attn_pytorch(value, shapes, loc, attn))


def test_backward_matches_mmcvs_pytorch_version(mmcv_ops):
    from mmcv.ops.multi_scale_deform_attn import multi_scale_deformable_attn_pytorch

    value, shapes, starts, loc, attn = _inputs(batch=3)
    grad = torch.randn(3, 4, 6, dtype=torch.double)
    ours = [t.clone().requires_grad_() for t in (value, loc, attn)]
    _msda(mmcv_ops)(ours[0], shapes, starts, ours[1], ours[2],
                                                    2).backward(grad)
    ref = [t.clone().requires_grad_() for t in (value, loc, attn)]
    multi_scale_deformable_attn_pytorch(ref[0], shapes, ref[1], ref[2]).backward(grad)
    for got, expected in zip(ours, ref):
        torch.testing.assert_close(got.grad, expected.grad)


def test_a_point_at_a_pixel_centre_reads_that_pixel(mmcv_ops):
    value = torch.arange(1., 7.).view(1, 6, 1, 1)  # one 2x3 level, one head, one channel
    shapes = torch.tensor([[2, 3]])
    loc = torch.tensor([[(2.5 / 3, 1.5 / 2), (0.0, 0.0)]]).view(1, 2, 1, 1, 1, 2)
    attn = torch.ones(1, 2, 1, 1, 1)
    out = _msda(mmcv_ops)(value, shapes, torch.tensor([0]), loc,
                                                          attn, 64)
    # (x, y) = (2.5/3, 1.5/2) is the centre of pixel (1, 2); (0, 0) is the corner: 1/4 of pixel 0
    torch.testing.assert_close(out.flatten(), torch.tensor([6.0, 0.25]))


def test_gradcheck(mmcv_ops):
    value, shapes, starts, loc, attn = _inputs(batch=2, queries=2)
    leaves = [t.requires_grad_() for t in (value, loc, attn)]

    def func(v, s, a):
        return _msda(mmcv_ops)(v, shapes, starts, s, a, 1)

    assert gradcheck(func, leaves, eps=1e-6, atol=1e-5, fast_mode=True)


def test_inconsistent_shapes_raise(mmcv_ops):
    value, shapes, starts, loc, attn = _inputs()
    with pytest.raises(ValueError, match='attn_weight has shape'):
        _msda(mmcv_ops)(value, shapes, starts, loc, attn[..., 1:],
                                                        1)


def test_an_empty_batch_gives_an_empty_output(mmcv_ops):
    value, shapes, starts, loc, attn = _inputs()
    out = _msda(mmcv_ops)(value[:0], shapes, starts, loc[:0], attn[:0], 64)
    assert out.shape == (0, 4, 6)
