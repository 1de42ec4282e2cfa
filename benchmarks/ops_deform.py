"""Time mmlightning's deformable / CARAFE / PSA kernels against naive Python-loop references.

Usage::

    python benchmarks/ops_deform.py [--repeat N] [--threads N]

Each case runs mmcv's wrapper (``mmcv.ops``, mmcv-lite) on mmlightning's torch kernels and a
reference written as Python loops over output pixels and kernel taps (vectorised over batch and
channels only), checks that both agree, and prints the best time of each and their ratio. A
second table times forward + backward of the kernels at detector-like sizes (no reference).
"""
from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch

from mmlightning.ops import install


def best_time(func: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` calls, in seconds."""
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _bilinear(img: torch.Tensor, y: float, x: float) -> torch.Tensor:
    """``img`` (N, C, H, W) read at one point, mmcv's rule (0 outside (-1, H) x (-1, W))."""
    height, width = img.shape[-2:]
    value = img.new_zeros(img.shape[:2])
    if not (-1 < y < height and -1 < x < width):
        return value
    y0, x0 = math.floor(y), math.floor(x)
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < height and 0 <= xx < width:
                value += wy * wx * img[:, :, yy, xx]
    return value


def loop_modulated_deform_conv(input, offset, mask, weight, bias, stride, padding):
    """DCNv2 (one group, one deformable group) as loops over output pixels and taps."""
    n, _, out_h, out_w = offset.shape
    cout, _, kh, kw = weight.shape
    out = input.new_zeros(n, cout, out_h, out_w)
    offset = offset.view(n, kh * kw, 2, out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            for k in range(kh * kw):
                dy, dx = offset[0, k, :, i, j].tolist()
                y = i * stride - padding + k // kw + dy
                x = j * stride - padding + k % kw + dx
                sample = _bilinear(input, y, x) * mask[:, k, i, j, None]
                out[:, :, i, j] += sample @ weight[:, :, k // kw, k % kw].T
    return out + bias.view(1, -1, 1, 1)


def loop_ms_deform_attn(value, shapes, starts, loc, attn):
    """Multi-scale deformable attention (one image) as loops over queries, heads, levels and
    points."""
    batch, _, heads, dims = value.shape
    queries, levels, points = loc.shape[1], loc.shape[3], loc.shape[4]
    out = value.new_zeros(batch, queries, heads, dims)
    for level in range(levels):
        height, width = shapes[level].tolist()
        start = int(starts[level])
        img = value[:, start:start + height * width].permute(0, 2, 3, 1)
        img = img.reshape(batch * heads, dims, height, width)
        for q in range(queries):
            for h in range(heads):
                for p in range(points):
                    x, y = loc[0, q, h, level, p].tolist()
                    sample = _bilinear(img[h:h + 1], y * height - 0.5, x * width - 0.5)
                    out[0, q, h] += sample[0] * attn[0, q, h, level, p]
    return out.reshape(batch, queries, heads * dims)


def loop_carafe(features, masks, k, scale):
    """CARAFE (one group) as loops over output pixels and taps."""
    n, c, h, w = features.shape
    out = features.new_zeros(n, c, h * scale, w * scale)
    r = (k - 1) // 2
    for i in range(h * scale):
        for j in range(w * scale):
            for t in range(k * k):
                y, x = i // scale + t // k - r, j // scale + t % k - r
                if 0 <= y < h and 0 <= x < w:
                    out[:, :, i, j] += features[:, :, y, x] * masks[:, t, i, j, None]
    return out


def loop_psamask(mask, h_mask, w_mask):
    """PSANet 'collect' as loops over pixels and mask positions."""
    n, _, h, w = mask.shape
    out = mask.new_zeros(n, h * w, h, w)
    for y in range(h):
        for x in range(w):
            for i in range(h_mask):
                for j in range(w_mask):
                    yy, xx = y + i - (h_mask - 1) // 2, x + j - (w_mask - 1) // 2
                    if 0 <= yy < h and 0 <= xx < w:
                        out[:, yy * w + xx, y, x] = mask[:, i * w_mask + j, y, x]
    return out


Case = tuple[str, Callable[[], torch.Tensor], Callable[[], torch.Tensor]]


def reference_cases(ops) -> list[Case]:
    """``(name, kernel, loop reference)`` for each op; one image so the loops share offsets."""
    torch.manual_seed(0)
    x = torch.randn(1, 16, 16, 16)
    offset = torch.randn(1, 18, 16, 16) * 2
    mask = torch.rand(1, 9, 16, 16)
    weight, bias = torch.randn(16, 16, 3, 3) * 0.1, torch.randn(16)
    shapes = torch.tensor([[16, 16], [8, 8], [4, 4]])
    starts = torch.tensor([0, 256, 320])
    value = torch.randn(1, 336, 4, 8)
    loc = torch.rand(1, 50, 4, 3, 4, 2)
    attn = torch.rand(1, 50, 4, 3, 4)
    attention = ops.multi_scale_deform_attn.MultiScaleDeformableAttnFunction.apply
    feats, masks = torch.randn(1, 16, 8, 8), torch.rand(1, 25, 16, 16)
    psa = torch.randn(1, 49, 12, 12)
    return [
        ('modulated_deform_conv 1x16x16x16, 3x3', lambda: ops.modulated_deform_conv2d(
            x, offset, mask, weight, bias, 1, 1, 1, 1, 1),
         lambda: loop_modulated_deform_conv(x, offset, mask, weight, bias, 1, 1)),
        ('ms_deform_attn 3 levels, 50 queries', lambda: attention(
            value, shapes, starts, loc, attn, 64),
         lambda: loop_ms_deform_attn(value, shapes, starts, loc, attn)),
        ('carafe 1x16x8x8 -> x2, k=5', lambda: ops.CARAFE(5, 1, 2)(feats, masks),
         lambda: loop_carafe(feats, masks, 5, 2)),
        ('psamask collect 12x12, 7x7', lambda: ops.PSAMask('collect', (7, 7))(psa),
         lambda: loop_psamask(psa, 7, 7)),
    ]


def training_cases(ops) -> list[tuple[str, Callable[[], object]]]:
    """``(name, forward + backward)`` at the sizes of a detector's neck / head."""
    torch.manual_seed(0)
    x = torch.randn(2, 64, 64, 64, requires_grad=True)
    dcn = ops.ModulatedDeformConv2dPack(64, 64, 3, padding=1)
    dcn1 = ops.DeformConv2dPack(64, 64, 3, padding=1)
    msda = ops.MultiScaleDeformableAttention(embed_dims=256, num_levels=4, batch_first=True)
    shapes = torch.tensor([[32, 32], [16, 16], [8, 8], [4, 4]])
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    keys = int(shapes.prod(1).sum())
    query = torch.randn(2, 300, 256, requires_grad=True)
    value = torch.randn(2, keys, 256, requires_grad=True)
    ref = torch.rand(2, 300, 4, 2)
    attention = ops.multi_scale_deform_attn.MultiScaleDeformableAttnFunction.apply
    carafe = ops.CARAFEPack(64, 2)
    feats = torch.randn(2, 64, 32, 32, requires_grad=True)
    conv = torch.nn.Conv2d(64, 64, 3, padding=1)
    xy = torch.rand(100, 2) * 40
    rois = torch.cat([torch.zeros(100, 1), xy, xy + torch.rand(100, 2) * 24 + 4], 1)
    roi_pool = ops.DeformRoIPoolPack((7, 7), 64, sampling_ratio=2)

    def msda_kernel():
        # the module calls grid_sample on CPU; call the kernel through mmcv's Function
        v = value.view(2, keys, 8, 32)
        loc = (ref[:, :, None, :, None, :] + torch.rand(2, 300, 8, 4, 4, 2) * 0.05)
        attn = torch.rand(2, 300, 8, 4, 4).requires_grad_()
        loc.requires_grad_()
        attention(v, shapes, starts, loc, attn, 64).sum().backward()

    return [
        ('nn.Conv2d 2x64x64x64 (for scale) fwd+bwd', lambda: conv(x).sum().backward()),
        ('DCNv2 2x64x64x64 fwd+bwd', lambda: dcn(x).sum().backward()),
        ('DCNv1 2x64x64x64 fwd+bwd', lambda: dcn1(x).sum().backward()),
        ('ms_deform_attn kernel 300 q, 4 levels fwd+bwd', msda_kernel),
        ('MultiScaleDeformableAttention (mmcv, grid_sample on CPU) fwd+bwd',
         lambda: msda(query, value=value, reference_points=ref, spatial_shapes=shapes,
                      level_start_index=starts).sum().backward()),
        ('CARAFEPack 2x64x32x32 fwd+bwd', lambda: carafe(feats).sum().backward()),
        ('DeformRoIPoolPack 100 RoIs 7x7 on 2x64x64x64 fwd+bwd',
         lambda: roi_pool(x, rois).sum().backward()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    install()
    import mmcv.ops as ops

    print(f'torch {torch.__version__}, {args.threads} thread(s), best of {args.repeat}')
    print(f'{"case":44} {"kernel ms":>10} {"loops ms":>10} {"speed-up":>9} {"max |diff|":>11}')
    with torch.no_grad():
        for name, kernel, loops in reference_cases(ops):
            diff = (kernel() - loops()).abs().max().item()
            fast = best_time(kernel, args.repeat)
            slow = best_time(loops, 1)
            print(f'{name:44} {fast * 1e3:10.2f} {slow * 1e3:10.1f} {slow / fast:8.0f}x '
                  f'{diff:11.2e}')
    print(f'\n{"training step":64} {"ms":>8}')
    for name, step in training_cases(ops):
        step()
        print(f'{name:64} {best_time(step, args.repeat) * 1e3:8.1f}')


if __name__ == '__main__':
    main()
