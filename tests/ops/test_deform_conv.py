"""deform_conv and modulated_deform_conv kernels through mmcv's DeformConv2d and its DCNv2.

The reference samples every kernel tap with ``F.grid_sample(align_corners=True)`` (zero padding),
an independent bilinear implementation with mmcv's border rule.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from mmlightning.ops.deform_im2col import check_shapes


def _reference(input, offset, mask, weight, bias, stride, padding, dilation, groups, dgroups):
    n, c, h, w = input.shape
    cout, _, kh, kw = weight.shape
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    offset = offset.view(n, dgroups, kh * kw, 2, oh, ow)
    feats = input.view(n * dgroups, c // dgroups, h, w)
    taps = []
    for k in range(kh * kw):
        i, j = divmod(k, kw)
        ys = torch.arange(oh, dtype=input.dtype) * stride - padding + i * dilation
        xs = torch.arange(ow, dtype=input.dtype) * stride - padding + j * dilation
        y = ys[:, None] + offset[:, :, k, 0].reshape(n * dgroups, oh, ow)
        x = xs[None, :] + offset[:, :, k, 1].reshape(n * dgroups, oh, ow)
        grid = torch.stack([2 * x / (w - 1) - 1, 2 * y / (h - 1) - 1], dim=-1)
        tap = F.grid_sample(feats, grid, align_corners=True).view(n, dgroups, -1, oh, ow)
        if mask is not None:
            tap = tap * mask.view(n, dgroups, kh * kw, oh, ow)[:, :, k:k + 1]
        taps.append(tap.reshape(n, c, oh, ow))
    cols = torch.stack(taps, 2).view(n, groups, c // groups * kh * kw, oh * ow)
    out = torch.einsum('gok,ngkl->ngol', weight.view(groups, cout // groups, -1), cols)
    out = out.reshape(n, cout, oh, ow)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _inputs(n=2, c=4, h=6, w=5, cout=4, k=3, dgroups=2, stride=1, padding=1, dilation=1,
            dtype=torch.double):
    gen = torch.Generator().manual_seed(0)
    oh = (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    ow = (w + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    input = torch.randn(n, c, h, w, generator=gen, dtype=dtype)
    # offsets up to 3 pixels: many taps fall partly or wholly off the map
    offset = (torch.rand(n, dgroups * 2 * k * k, oh, ow, generator=gen, dtype=dtype) - 0.5) * 6
    mask = torch.rand(n, dgroups * k * k, oh, ow, generator=gen, dtype=dtype)
    return input, offset, mask


@pytest.mark.parametrize('stride,padding,dilation,groups,dgroups',
                         [(1, 1, 1, 1, 1), (2, 1, 1, 2, 2), (1, 2, 2, 1, 4), (2, 0, 1, 4, 1)])
def test_deform_conv_matches_the_grid_sample_reference(mmcv_ops, stride, padding, dilation,
                                                       groups, dgroups):
    input, offset, _ = _inputs(c=8, h=7, w=6, cout=4, dgroups=dgroups, stride=stride,
                               padding=padding, dilation=dilation)
    weight = torch.randn(4, 8 // groups, 3, 3, dtype=torch.double)
    out = mmcv_ops.deform_conv2d(input, offset, weight, stride, padding, dilation, groups,
                                 dgroups, False, 1)
    expected = _reference(input, offset, None, weight, None, stride, padding, dilation, groups,
                          dgroups)
    torch.testing.assert_close(out, expected)


def test_zero_offsets_and_unit_masks_are_a_plain_convolution(mmcv_ops):
    input = torch.randn(2, 4, 6, 6)
    conv = mmcv_ops.ModulatedDeformConv2d(4, 6, 3, stride=2, padding=1, groups=2)
    offset = torch.zeros(2, 18, 3, 3)
    mask = torch.ones(2, 9, 3, 3)
    expected = F.conv2d(input, conv.weight, conv.bias, stride=2, padding=1, groups=2)
    torch.testing.assert_close(conv(input, offset, mask), expected, rtol=1e-5, atol=1e-5)
    dcn = mmcv_ops.DeformConv2d(4, 6, 3, stride=2, padding=1, groups=2)
    expected = F.conv2d(input, dcn.weight, None, stride=2, padding=1, groups=2)
    torch.testing.assert_close(dcn(input, offset), expected, rtol=1e-5, atol=1e-5)


def test_a_half_pixel_offset_averages_two_rows_and_off_map_reads_zero(mmcv_ops):
    input = torch.arange(12.).view(1, 1, 3, 4)
    weight = torch.ones(1, 1, 1, 1)
    offset = torch.zeros(1, 2, 3, 4)
    offset[:, 0] = 0.5  # dy = +0.5 everywhere: the last row's lower neighbour is off the map
    out = mmcv_ops.deform_conv2d(input, offset, weight)
    expected = torch.tensor([[2., 3., 4., 5.], [6., 7., 8., 9.], [4., 4.5, 5., 5.5]])
    torch.testing.assert_close(out[0, 0], expected)
    offset[:, 0] = -1.0  # the first row reads y = -1: outside (-1, H), so 0
    assert mmcv_ops.deform_conv2d(input, offset, weight)[0, 0, 0].abs().sum() == 0


def test_im2col_step_chunks_give_the_same_result(mmcv_ops):
    input, offset, _ = _inputs(n=4, dtype=torch.float)
    weight = torch.randn(4, 4, 3, 3)
    whole = mmcv_ops.deform_conv2d(input, offset, weight, 1, 1, 1, 1, 2, False, 4)
    chunked = mmcv_ops.deform_conv2d(input, offset, weight, 1, 1, 1, 1, 2, False, 2)
    torch.testing.assert_close(chunked, whole)


def test_deform_conv_gradcheck(mmcv_ops):
    input, offset, _ = _inputs(n=2, c=4, h=4, w=3, dgroups=2, stride=2)
    weight = torch.randn(2, 2, 3, 3, dtype=torch.double)
    leaves = [t.requires_grad_() for t in (input, offset, weight)]

    def func(inp, off, w):
        return mmcv_ops.deform_conv2d(inp, off, w, 2, 1, 1, 2, 2, False, 1)

    assert gradcheck(func, leaves, eps=1e-6, atol=1e-5, fast_mode=True)


def test_deform_conv_gradients_match_the_reference(mmcv_ops):
    input, offset, _ = _inputs(n=2, c=4, h=6, w=5, dgroups=2)
    weight = torch.randn(4, 4, 3, 3, dtype=torch.double)
    leaves = [t.clone().requires_grad_() for t in (input, offset, weight)]
    grad = torch.randn(2, 4, 6, 5, dtype=torch.double)
    mmcv_ops.deform_conv2d(*leaves, 1, 1, 1, 1, 2).backward(grad)
    ref = [t.clone().requires_grad_() for t in (input, offset, weight)]
    _reference(ref[0], ref[1], None, ref[2], None, 1, 1, 1, 1, 2).backward(grad)
    for got, expected in zip(leaves, ref):
        torch.testing.assert_close(got.grad, expected.grad)


@pytest.mark.parametrize('with_bias', [True, False])
def test_modulated_deform_conv_gradcheck(mmcv_ops, with_bias):
    input, offset, mask = _inputs(n=1, c=4, h=4, w=3, dgroups=2, dilation=2, padding=2)
    weight = torch.randn(4, 2, 3, 3, dtype=torch.double)
    bias = torch.randn(4, dtype=torch.double) if with_bias else None
    leaves = [t.requires_grad_() for t in (input, offset, mask, weight, bias) if t is not None]

    def func(inp, off, m, w, b=None):
        return mmcv_ops.modulated_deform_conv2d(inp, off, m, w, b, 1, 2, 2, 2, 2)

    assert gradcheck(func, leaves, eps=1e-6, atol=1e-5, fast_mode=True)


def test_modulated_deform_conv_matches_the_reference(mmcv_ops):
    input, offset, mask = _inputs(n=2, c=4, h=6, w=5, dgroups=1)
    weight = torch.randn(6, 4, 3, 3, dtype=torch.double)
    bias = torch.randn(6, dtype=torch.double)
    out = mmcv_ops.modulated_deform_conv2d(input, offset, mask, weight, bias, 1, 1, 1, 1, 1)
    torch.testing.assert_close(out, _reference(input, offset, mask, weight, bias, 1, 1, 1, 1, 1))


def test_mismatched_offsets_name_the_expected_shape():
    input, offset, _ = _inputs(n=1, dgroups=1)
    weight = torch.zeros(4, 4, 3, 3)
    with pytest.raises(ValueError, match=r'invalid offset shape \(1, 18, 6, 5\), expected '
                                         r'\(1, 36, 6, 5\)'):
        check_shapes(input, offset, None, weight, (1, 1), (1, 1), (1, 1), 1, 2)
    with pytest.raises(ValueError, match='must be divisible by deformable_group=3'):
        check_shapes(input, offset, None, weight, (1, 1), (1, 1), (1, 1), 1, 3)


def test_zero_offsets_take_the_gradient_of_the_cell_starting_at_the_tap(mmcv_ops):
    # DCN's offsets start at 0: every tap is on integer coordinates, where mmcv's coordinate
    # gradient is the forward difference (the cell [h, h + 1]); past the last row it reads 0
    input = torch.tensor([[1., 2.], [4., 8.], [16., 32.]]).view(1, 1, 3, 2)
    offset = torch.zeros(1, 2, 3, 2, requires_grad=True)
    mmcv_ops.deform_conv2d(input, offset, torch.ones(1, 1, 1, 1)).sum().backward()
    torch.testing.assert_close(offset.grad[0, 0], torch.tensor([[3., 6.], [12., 24.],
                                                                 [-16., -32.]]))
    torch.testing.assert_close(offset.grad[0, 1], torch.tensor([[1., -2.], [4., -8.],
                                                                 [16., -32.]]))
