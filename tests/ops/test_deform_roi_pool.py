"""deform_roi_pool kernels through mmcv's DeformRoIPool and its packs."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck


def _loop_reference(sample, input, rois, offset, pooled, scale, ratio, gamma):
    out = input.new_zeros(rois.shape[0], input.shape[1], *pooled)
    for r, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        sx, sy = x1 * scale - 0.5, y1 * scale - 0.5
        rw, rh = x2 * scale - 0.5 - sx, y2 * scale - 0.5 - sy
        bw, bh = rw / pooled[1], rh / pooled[0]
        gh = ratio if ratio > 0 else int(torch.tensor(bh).ceil())
        gw = ratio if ratio > 0 else int(torch.tensor(bw).ceil())
        for ph in range(pooled[0]):
            for pw in range(pooled[1]):
                oy = sy + gamma * rh * float(offset[r, 1, ph, pw])
                ox = sx + gamma * rw * float(offset[r, 0, ph, pw])
                for iy in range(gh):
                    for ix in range(gw):
                        y = oy + ph * bh + (iy + 0.5) * bh / gh
                        x = ox + pw * bw + (ix + 0.5) * bw / gw
                        out[r, :, ph, pw] += sample(input[int(b)], y, x)
                out[r, :, ph, pw] /= max(gh * gw, 1)
    return out


def _inputs(dtype=torch.double):
    gen = torch.Generator().manual_seed(4)
    input = torch.randn(2, 3, 9, 10, generator=gen, dtype=dtype)
    rois = torch.tensor([[0, 1.0, 1.5, 7.0, 6.0], [1, 0.0, 0.0, 9.5, 8.5], [1, 3.2, 2.1, 5.0, 4.4],
                         [0, -2.0, 6.0, 4.0, 12.0]], dtype=dtype)
    offset = (torch.rand(4, 2, 3, 2, generator=gen, dtype=dtype) - 0.5)
    return input, rois, offset


@pytest.mark.parametrize('ratio,scale', [(2, 1.0), (0, 1.0), (1, 0.5)])
def test_matches_the_loop_reference(mmcv_ops, roi_align_sample, ratio, scale):
    input, rois, offset = _inputs()
    out = mmcv_ops.deform_roi_pool(input, rois, offset, (3, 2), scale, ratio, 0.1)
    torch.testing.assert_close(out, _loop_reference(roi_align_sample, input, rois, offset, (3, 2),
                                                    scale, ratio, 0.1))


def test_gradcheck_inside_the_map(mmcv_ops):
    # mmcv's offset gradient uses the unclamped coordinate: exact where no sample is clamped
    input, rois, offset = _inputs()
    rois = rois[:1].clone()
    leaves = [input.requires_grad_(), offset[:1].clone().requires_grad_()]

    def func(inp, off):
        return mmcv_ops.deform_roi_pool(inp, rois, off, (3, 2), 1.0, 2, 0.1)

    assert gradcheck(func, leaves, eps=1e-6, atol=1e-5)


def test_input_gradient_without_offsets_is_roi_aligns(mmcv_ops):
    input, rois, _ = _inputs()
    leaf = input.clone().requires_grad_()
    assert gradcheck(lambda inp: mmcv_ops.deform_roi_pool(inp, rois, None, (2, 2), 1.0, 2),
                     (leaf,), eps=1e-6, atol=1e-5, fast_mode=True)


def test_the_packs_run_forward_and_backward(mmcv_ops):
    input, rois, _ = _inputs(torch.float)
    input.requires_grad_()
    for pack in (mmcv_ops.DeformRoIPoolPack((3, 3), 3), mmcv_ops.ModulatedDeformRoIPoolPack(
            (3, 3), 3)):
        out = pack(input, rois)
        assert out.shape == (4, 3, 3, 3)
        out.sum().backward()
    assert input.grad.abs().sum() > 0
