"""nms, softnms, nms_match, nms_rotated against mmcv's loops and hand-checked cases."""
from __future__ import annotations

import pytest
import torch

from mmlightning.ops import nms as kernels


def _boxes(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    xy = torch.rand(count, 2, generator=generator, dtype=torch.double) * 40
    wh = torch.rand(count, 2, generator=generator, dtype=torch.double) * 20 + 1
    scores = torch.rand(count, generator=generator, dtype=torch.double)
    return torch.cat((xy, xy + wh), 1), scores


def test_nms_by_hand():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.],
                          [0., 0., 10., 10.5]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    # box 3 (best) suppresses 0 (IoU 100/105) and 1 (IoU 85.5/119.5 = 0.7155); box 2 is apart
    assert kernels.nms(boxes, scores, 0.5).tolist() == [3, 2]
    # at 0.72 box 1 survives box 3, and box 0 (IoU 81/119 with box 1) is gone already
    assert kernels.nms(boxes, scores, 0.72).tolist() == [3, 1, 2]
    assert kernels.nms(boxes[:0], scores[:0], 0.5).tolist() == []


@pytest.mark.parametrize('offset', [0, 1])
@pytest.mark.parametrize('threshold', [0.1, 0.5, 0.8])
def test_nms_matches_the_loop(reference, offset, threshold):
    boxes, scores = _boxes(300, seed=int(threshold * 10) + offset)
    expected = reference.nms(boxes, scores, threshold, offset)
    assert torch.equal(kernels.nms(boxes, scores, threshold, offset), expected)


def test_nms_chain_longer_than_a_block(reference):
    # each box overlaps only its neighbours: greedy keeps every other one, across blocks
    x = torch.arange(300, dtype=torch.double) * 4
    boxes = torch.stack((x, torch.zeros_like(x), x + 10, torch.full_like(x, 10)), 1)
    scores = 1 - torch.arange(300, dtype=torch.double) / 1000
    kept = kernels.nms(boxes, scores, 0.3)
    assert torch.equal(kept, reference.nms(boxes, scores, 0.3))
    assert kept.tolist() == list(range(0, 300, 2))


@pytest.mark.parametrize('method', [0, 1, 2])
def test_softnms_matches_the_loop(reference, method):
    boxes, scores = _boxes(120, seed=method)
    boxes, scores = boxes.float(), scores.float()
    scores[::7] = 0.5  # ties: the first of equal scores is picked, after mmcv's swaps
    dets = boxes.new_empty(120, 5)
    inds = kernels.softnms(boxes, scores, dets, 0.3, 0.5, 0.05, method, 0)
    expected_dets, expected_inds = reference.softnms(boxes, scores, 0.3, 0.5, 0.05, method)
    assert torch.equal(inds, expected_inds)
    torch.testing.assert_close(dets[:len(inds)], expected_dets, rtol=1e-5, atol=1e-6)


def test_soft_nms_through_mmcv(mmcv_ops):
    boxes = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 9.], [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, inds = mmcv_ops.soft_nms(boxes, scores, 0.5, min_score=0.0, method='linear')
    assert inds.tolist() == [0, 2, 1]
    # box 1 is rescored by 1 - IoU = 1 - 0.9
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.7, 0.8 * 0.1]))


def test_nms_match_matches_the_loop(reference):
    boxes, scores = _boxes(200, seed=3)
    dets = torch.cat((boxes, scores[:, None]), 1)
    assert kernels.nms_match(dets, 0.4) == reference.nms_match(dets, 0.4)
    assert kernels.nms_match(dets[:0], 0.4) == []


def test_nms_match_by_hand():
    dets = torch.tensor([[0., 0., 10., 10., 0.5], [0., 0., 10., 10., 0.9],
                         [20., 20., 30., 30., 0.7], [0., 0., 10., 5., 0.8]])
    # box 3 overlaps box 1 with IoU exactly 0.5: >= suppresses
    assert kernels.nms_match(dets, 0.5) == [[1, 3, 0], [2]]


def _rotated(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    centre = torch.rand(count, 2, generator=generator, dtype=torch.double) * 30
    size = torch.rand(count, 2, generator=generator, dtype=torch.double) * 15 + 2
    angle = (torch.rand(count, 1, generator=generator, dtype=torch.double) - 0.5) * 3
    scores = torch.rand(count, generator=generator, dtype=torch.double)
    labels = torch.randint(0, 3, (count,), generator=generator).double()
    return torch.cat((centre, size, angle), 1), scores, labels


@pytest.mark.parametrize('multi_label', [False, True])
def test_nms_rotated_matches_the_loop(reference, multi_label):
    dets, scores, labels = _rotated(80, seed=int(multi_label))
    order = scores.sort(0, descending=True)[1]
    with_labels = torch.cat((dets, labels[:, None]), 1) if multi_label else dets
    kept = kernels.nms_rotated(with_labels, scores, order, with_labels[order], labels, 0.2,
                               multi_label)
    assert torch.equal(kept, reference.nms_rotated(dets, scores, 0.2,
                                                   labels if multi_label else None))


def test_batched_nms_through_mmcv(mmcv_ops):
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [1., 1., 11., 11.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    labels = torch.tensor([0, 0, 1])
    dets, keep = mmcv_ops.batched_nms(boxes, scores, labels, dict(type='nms', iou_threshold=0.5))
    assert keep.tolist() == [0, 2]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.7]))
    # the same box turned by 90 degrees overlaps by 16 / 64; turned by 0.1 rad, by far more
    rotated = torch.tensor([[5., 5., 10., 4., 0.], [5., 5., 10., 4., 1.5708],
                            [5., 5., 10., 4., 0.1]])
    dets, keep = mmcv_ops.nms_rotated(rotated, scores, 0.5)
    assert keep.tolist() == [0, 1]
