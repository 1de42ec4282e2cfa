"""bbox_overlaps and box_iou_rotated against loops and hand-checked areas."""
from __future__ import annotations

import math

import pytest
import torch

from mmlightning.ops.bbox import bbox_overlaps
from mmlightning.ops.box_iou_rotated import box_iou_rotated


def _overlaps(first, second, mode=0, aligned=False, offset=0):
    out = first.new_zeros(len(first)) if aligned else first.new_zeros(len(first), len(second))
    bbox_overlaps(first, second, out, mode=mode, aligned=aligned, offset=offset)
    return out


def test_bbox_overlaps_by_hand():
    first = torch.tensor([[0., 0., 10., 10.], [10., 10., 20., 20.]])
    second = torch.tensor([[0., 0., 10., 20.], [5., 5., 15., 15.]])
    torch.testing.assert_close(_overlaps(first, second),
                               torch.tensor([[0.5, 25 / 175], [0., 25 / 175]]))
    torch.testing.assert_close(_overlaps(first, second, mode=1),
                               torch.tensor([[1.0, 0.25], [0., 0.25]]))
    torch.testing.assert_close(_overlaps(first, second, aligned=True),
                               torch.tensor([0.5, 25 / 175]))
    # offset 1: a 0..10 box is 11 pixels wide
    torch.testing.assert_close(_overlaps(first[:1], second[:1], offset=1),
                               torch.tensor([[121 / 231]]))


@pytest.mark.parametrize('mode', ['iou', 'iof'])
@pytest.mark.parametrize('aligned', [False, True])
@pytest.mark.parametrize('offset', [0, 1])
def test_bbox_overlaps_matches_the_loop(reference, mode, aligned, offset):
    generator = torch.Generator().manual_seed(0)
    xy = torch.rand(2, 30, 2, generator=generator, dtype=torch.double) * 20
    boxes = torch.cat((xy, xy + torch.rand(2, 30, 2, generator=generator) * 10), -1)
    got = _overlaps(boxes[0], boxes[1], mode=['iou', 'iof'].index(mode), aligned=aligned,
                    offset=offset)
    torch.testing.assert_close(got, reference.bbox_overlaps(boxes[0], boxes[1], mode, aligned,
                                                            offset))


def _rotated_iou(first, second, mode=0, aligned=False):
    out = first.new_zeros(len(first) if aligned else len(first) * len(second))
    box_iou_rotated(first, second, out, mode_flag=mode, aligned=aligned)
    return out if aligned else out.view(len(first), len(second))


def test_box_iou_rotated_by_hand():
    square = torch.tensor([[0., 0., 2., 2., 0.]], dtype=torch.double)
    turned = torch.tensor([[0., 0., 2., 2., math.pi / 4]], dtype=torch.double)
    # the intersection of a square and itself turned by 45 degrees is a regular octagon
    octagon = 8 * (math.sqrt(2) - 1)
    expected = octagon / (8 - octagon)
    torch.testing.assert_close(_rotated_iou(square, turned), torch.tensor([[expected]],
                                                                          dtype=torch.double))
    torch.testing.assert_close(_rotated_iou(turned, turned), torch.ones(1, 1, dtype=torch.double))
    # a 4x2 box and itself turned by 90 degrees share a 2x2 square: 4 / (8 + 8 - 4)
    bar = torch.tensor([[0., 0., 4., 2., 0.], [0., 0., 4., 2., math.pi / 2]], dtype=torch.double)
    torch.testing.assert_close(_rotated_iou(bar[:1], bar[1:], mode=0)[0, 0],
                               torch.tensor(1 / 3, dtype=torch.double))
    torch.testing.assert_close(_rotated_iou(bar[:1], bar[1:], mode=1)[0, 0],
                               torch.tensor(0.5, dtype=torch.double))
    apart = torch.tensor([[10., 10., 1., 1., 0.3]], dtype=torch.double)
    assert _rotated_iou(square, apart).item() == 0


@pytest.mark.parametrize('mode', ['iou', 'iof'])
def test_box_iou_rotated_matches_clipping(reference, mode):
    generator = torch.Generator().manual_seed(1)
    centre = torch.rand(2, 25, 2, generator=generator, dtype=torch.double) * 10
    size = torch.rand(2, 25, 2, generator=generator, dtype=torch.double) * 8 + 0.5
    angle = (torch.rand(2, 25, 1, generator=generator, dtype=torch.double) - 0.5) * 6
    boxes = torch.cat((centre, size, angle), -1)
    flag = ['iou', 'iof'].index(mode)
    torch.testing.assert_close(_rotated_iou(boxes[0], boxes[1], flag),
                               reference.box_iou_rotated(boxes[0], boxes[1], mode).double())
    torch.testing.assert_close(_rotated_iou(boxes[0], boxes[1], flag, aligned=True),
                               reference.box_iou_rotated(boxes[0], boxes[1], mode,
                                                         aligned=True).double())


def test_box_iou_rotated_at_zero_angle_is_the_axis_aligned_iou():
    generator = torch.Generator().manual_seed(2)
    centre = torch.rand(20, 2, generator=generator, dtype=torch.double) * 10
    size = torch.rand(20, 2, generator=generator, dtype=torch.double) * 6 + 1
    rotated = torch.cat((centre, size, torch.zeros(20, 1, dtype=torch.double)), 1)
    corners = torch.cat((centre - size / 2, centre + size / 2), 1)
    torch.testing.assert_close(_rotated_iou(rotated[:10], rotated[10:]),
                               _overlaps(corners[:10], corners[10:]))
