"""roi_align, roi_pool, roi_align_rotated: loops, hand-checked values, gradcheck through mmcv."""
from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from mmlightning.ops.roi_align import roi_align_forward
from mmlightning.ops.roi_align_rotated import roi_align_rotated_forward
from mmlightning.ops.roi_pool import roi_pool_forward


def _features(seed: int = 0, shape=(2, 3, 9, 11)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.double)


ROIS = torch.tensor([[0, 1.0, 1.0, 7.0, 6.0], [1, 0.0, 2.5, 10.0, 8.0], [0, 3.2, 0.7, 4.1, 2.0],
                     [1, -3.0, -2.0, 5.0, 4.0], [0, 6.0, 5.0, 25.0, 19.0]], dtype=torch.double)


def _roi_align(features, rois, size, scale, ratio, mode, aligned):
    shape = (len(rois), features.size(1), *size)
    out = features.new_zeros(shape)
    argmax = [features.new_zeros(shape if mode == 'max' else 0) for _ in range(2)]
    roi_align_forward(features, rois, out, *argmax, aligned_height=size[0], aligned_width=size[1],
                      spatial_scale=scale, sampling_ratio=ratio, pool_mode=int(mode == 'avg'),
                      aligned=aligned)
    return out, argmax


@pytest.mark.parametrize('mode', ['avg', 'max'])
@pytest.mark.parametrize('aligned', [True, False])
# sampling_ratio 1 on these RoIs makes average pooling gather sample corners, not pixel windows
@pytest.mark.parametrize('ratio', [0, 1, 2])
def test_roi_align_matches_the_loop(reference, mode, aligned, ratio):
    features = _features()
    got, _ = _roi_align(features, ROIS, (3, 4), 0.5, ratio, mode, aligned)
    torch.testing.assert_close(got, reference.roi_align(features, ROIS, (3, 4), 0.5, ratio, mode,
                                                        aligned))


def test_both_ways_of_averaging_agree():
    from mmlightning.ops import roi_align

    features = _features(7)
    axes = roi_align._axes(ROIS, (3, 4), 0.5, 1, True)
    assert not roi_align._by_windows(axes, 9, 11)
    by_corners, _ = _roi_align(features, ROIS, (3, 4), 0.5, 1, 'avg', True)
    by_windows = features.new_zeros(by_corners.shape)
    roi_align._average_by_windows(roi_align.channels_last(features), axes, 9, 11, by_windows)
    torch.testing.assert_close(by_windows, by_corners)


def test_roi_align_by_hand():
    # bilinear sampling reproduces a linear ramp: each bin averages to the ramp at its centre
    ramp = torch.arange(8, dtype=torch.double).expand(1, 1, 8, 8).clone()
    rois = torch.tensor([[0, 1.0, 1.0, 5.0, 5.0]], dtype=torch.double)
    out, _ = _roi_align(ramp, rois, (2, 2), 1.0, 2, 'avg', True)
    # aligned: the RoI spans columns 0.5..4.5, bin centres at 1.5 and 3.5
    torch.testing.assert_close(out[0, 0], torch.tensor([[1.5, 3.5], [1.5, 3.5]],
                                                       dtype=torch.double))
    out, (argmax_y, argmax_x) = _roi_align(ramp, rois, (2, 2), 1.0, 2, 'max', True)
    # the largest of the samples at columns 1, 2 (bin 0) and 3, 4 (bin 1) is the right one
    torch.testing.assert_close(out[0, 0], torch.tensor([[2.0, 4.0], [2.0, 4.0]],
                                                       dtype=torch.double))
    torch.testing.assert_close(argmax_x[0, 0], torch.tensor([[2.0, 4.0], [2.0, 4.0]],
                                                            dtype=torch.double))
    assert argmax_y[0, 0, 0, 0].item() in (1.0, 2.0)


@pytest.mark.parametrize('mode', ['avg', 'max'])
@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('ratio', [0, 1, 2])
def test_roi_align_gradcheck(mmcv_ops, mode, aligned, ratio):
    features = _features(1, (2, 2, 6, 7)).requires_grad_()
    rois = torch.tensor([[0, 0.5, 1.0, 9.0, 8.0], [1, 2.3, 0.2, 6.1, 12.0],
                         [1, -2.0, -1.0, 3.0, 4.0]], dtype=torch.double)
    layer = mmcv_ops.RoIAlign((2, 3), 0.7, sampling_ratio=ratio, pool_mode=mode, aligned=aligned)
    assert gradcheck(lambda x: layer(x, rois), (features,), eps=1e-6, atol=1e-6)


def test_roi_pool_matches_the_loop(reference):
    features = _features(2)
    rois = torch.cat((ROIS, torch.tensor([[0, 5.0, 5.0, 1.0, 1.0]], dtype=torch.double)))
    out = features.new_zeros(len(rois), 3, 3, 2)
    argmax = torch.zeros(out.shape, dtype=torch.int)
    roi_pool_forward(features, rois, out, argmax, pooled_height=3, pooled_width=2,
                     spatial_scale=0.5)
    expected, expected_argmax = reference.roi_pool(features, rois, (3, 2), 0.5)
    torch.testing.assert_close(out, expected)
    assert torch.equal(argmax, expected_argmax)


def test_roi_pool_by_hand_and_ties():
    plane = torch.tensor([[1., 5., 5.], [5., 0., 2.], [3., 4., 9.]]).view(1, 1, 3, 3)
    rois = torch.tensor([[0, 0.0, 0.0, 1.0, 1.0], [0, 0.0, 0.0, 2.0, 2.0]])
    out = plane.new_zeros(2, 1, 1, 1)
    argmax = torch.zeros(out.shape, dtype=torch.int)
    roi_pool_forward(plane, rois, out, argmax, pooled_height=1, pooled_width=1, spatial_scale=1.0)
    # three 5s in the top-left 2x2: the first in row-major order wins
    assert out.flatten().tolist() == [5.0, 9.0] and argmax.flatten().tolist() == [1, 8]


def test_roi_pool_gradcheck(mmcv_ops):
    features = _features(3, (2, 2, 8, 8)).requires_grad_()
    rois = torch.tensor([[0, 0.0, 0.0, 6.0, 7.0], [1, 2.0, 1.0, 13.0, 9.0]], dtype=torch.double)
    layer = mmcv_ops.RoIPool((2, 3), 0.5)
    assert gradcheck(lambda x: layer(x, rois), (features,), eps=1e-6, atol=1e-6)


ROTATED = torch.tensor([[0, 4.0, 4.0, 6.0, 3.0, 0.3], [1, 6.0, 5.0, 8.0, 5.0, -1.2],
                        [0, 2.0, 7.0, 2.0, 9.0, 2.5]], dtype=torch.double)


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('clockwise', [True, False])
@pytest.mark.parametrize('ratio', [0, 2])
def test_roi_align_rotated_matches_the_loop(reference, aligned, clockwise, ratio):
    features = _features(4)
    out = features.new_zeros(len(ROTATED), 3, 2, 3)
    roi_align_rotated_forward(features, ROTATED, out, pooled_height=2, pooled_width=3,
                              spatial_scale=0.8, sampling_ratio=ratio, aligned=aligned,
                              clockwise=clockwise)
    torch.testing.assert_close(out, reference.roi_align_rotated(features, ROTATED, (2, 3), 0.8,
                                                                ratio, aligned, clockwise))


def test_roi_align_rotated_at_zero_angle_is_roi_align():
    features = _features(5)
    rotated = torch.tensor([[1, 5.0, 4.0, 6.0, 4.0, 0.0]], dtype=torch.double)
    box = torch.tensor([[1, 2.0, 2.0, 8.0, 6.0]], dtype=torch.double)
    out = features.new_zeros(1, 3, 2, 2)
    roi_align_rotated_forward(features, rotated, out, pooled_height=2, pooled_width=2,
                              spatial_scale=1.0, sampling_ratio=2, aligned=True, clockwise=False)
    expected, _ = _roi_align(features, box, (2, 2), 1.0, 2, 'avg', True)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('aligned', [True, False])
def test_roi_align_rotated_gradcheck(mmcv_ops, aligned):
    features = _features(6, (2, 2, 7, 6)).requires_grad_()
    layer = mmcv_ops.RoIAlignRotated((2, 2), 0.6, sampling_ratio=0, aligned=aligned)
    assert gradcheck(lambda x: layer(x, ROTATED), (features,), eps=1e-6, atol=1e-6)


def test_aligned_rois_of_negative_size_are_refused_with_mmcvs_message():
    features = _features()
    with pytest.raises(RuntimeError, match='ROIs in ROIAlign cannot have non-negative size!'):
        _roi_align(features, torch.tensor([[0, 5.0, 5.0, 2.0, 8.0]], dtype=torch.double), (2, 2),
                   1.0, 2, 'avg', True)
    out = features.new_zeros(1, 3, 2, 2)
    with pytest.raises(RuntimeError, match='ROIAlignRotated do not have non-negative size!'):
        roi_align_rotated_forward(features, torch.tensor([[0, 5.0, 5.0, -1.0, 2.0, 0.0]],
                                                         dtype=torch.double), out, 2, 2, 1.0, 2,
                                  True, False)


def test_no_rois_write_nothing():
    features = _features()
    empty = features.new_zeros(0, 5)
    out, _ = _roi_align(features, empty, (2, 2), 1.0, 0, 'max', True)
    assert out.shape == (0, 3, 2, 2)
    roi_pool_forward(features, empty, features.new_zeros(0, 3, 2, 2),
                     torch.zeros(0, 3, 2, 2, dtype=torch.int), 2, 2, 1.0)
