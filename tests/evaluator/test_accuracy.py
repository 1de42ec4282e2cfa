"""Accuracy: mmpretrain's top-k / threshold accuracy, checked against a direct torch.topk count."""
from __future__ import annotations

import pytest
import torch

from mmlightning.evaluator import Accuracy, Evaluator
from mmlightning.registry import METRICS


def topk_accuracy(scores, labels, k, thr):
    """The spec, written out: true class among the k best, and its score above thr."""
    top = scores.topk(k, dim=1).indices
    hit = (top == labels[:, None]).any(dim=1)
    if thr is not None:
        hit &= scores.gather(1, labels[:, None]).squeeze(1) > thr
    return hit.float().mean().item() * 100


def test_defaults_and_registration():
    metric = METRICS.build(dict(type='Accuracy'))
    assert isinstance(metric, Accuracy)
    assert (metric.topk, metric.thrs, metric.prefix) == ((1,), (0.0,), 'accuracy')
    assert Accuracy(topk=3, thrs=None).topk == (3,) and Accuracy(thrs=None).thrs == (None,)
    assert Accuracy(topk=[1, 2], thrs=[0.1, None]).thrs == (0.1, None)


def test_topk_and_thresholds(class_samples):
    scores = torch.stack([s['pred_score'] for s in class_samples])
    labels = torch.cat([s['gt_label'] for s in class_samples])
    evaluator = Evaluator(Accuracy(topk=(1, 2, 3), thrs=(None, 0.3)))
    evaluator.process(class_samples)
    metrics = evaluator.evaluate(len(class_samples))
    assert list(metrics) == ['accuracy/top1_no-thr', 'accuracy/top1_thr-0.30',
                             'accuracy/top2_no-thr', 'accuracy/top2_thr-0.30',
                             'accuracy/top3_no-thr', 'accuracy/top3_thr-0.30']
    for k in (1, 2, 3):
        assert metrics[f'accuracy/top{k}_no-thr'] == pytest.approx(
            topk_accuracy(scores, labels, k, None))
        assert metrics[f'accuracy/top{k}_thr-0.30'] == pytest.approx(
            topk_accuracy(scores, labels, k, 0.3))
    # the samples are not trivially right or wrong: the numbers distinguish k and thr
    assert metrics['accuracy/top1_no-thr'] < metrics['accuracy/top3_no-thr'] < 100
    assert metrics['accuracy/top3_thr-0.30'] < metrics['accuracy/top3_no-thr']


def test_single_threshold_names_are_plain(class_samples):
    metric = Accuracy(topk=(1, 4), prefix='acc')
    metric.process(None, class_samples)
    metrics = metric.evaluate(11)
    assert list(metrics) == ['acc/top1', 'acc/top4']
    assert metrics['acc/top4'] == 100.0  # softmax scores are > 0 and every class is in the top 4


def test_labels_only(class_samples):
    samples = [{'pred_label': s['pred_label'], 'gt_label': s['gt_label']} for s in class_samples]
    scores = torch.stack([s['pred_score'] for s in class_samples])
    labels = torch.cat([s['gt_label'] for s in class_samples])
    metric = Accuracy(topk=(1, 2))
    metric.process(None, samples)
    assert metric.evaluate(11) == {'accuracy/top1': pytest.approx(
        topk_accuracy(scores, labels, 1, None))}


def test_plain_numbers_are_accepted():
    metric = Accuracy()
    metric.process(None, [{'pred_score': [0.9, 0.1], 'gt_label': 0},
                          {'pred_score': [0.2, 0.8], 'gt_label': 0}])
    assert metric.evaluate(2) == {'accuracy/top1': 50.0}


def test_negative_scores_fail_the_default_threshold():
    # mmpretrain's default thrs=0. counts a logit <= 0 as not confident enough
    samples = [{'pred_score': torch.tensor([-1.0, -2.0]), 'gt_label': torch.tensor([0])}]
    assert Accuracy().calculate(torch.tensor([[-1.0, -2.0]]), torch.tensor([0]))[0][0].item() == 0
    metric = Accuracy(thrs=None)
    metric.process(None, samples)
    assert metric.evaluate(1) == {'accuracy/top1': 100.0}


def test_calculate_directly():
    pred = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]])
    target = torch.tensor([1, 1, 0])
    acc = Accuracy.calculate(pred, target, topk=(1, 2), thrs=(None,))
    assert [[a.item() for a in row] for row in acc] == [[pytest.approx(200 / 3)], [100.0]]
    assert Accuracy.calculate(torch.tensor([1, 0, 1]), target).tolist() == [pytest.approx(100 / 3)]


@pytest.mark.parametrize('topk', [0, (1, -2), (), (1.5,)])
def test_bad_topk_is_rejected(topk):
    with pytest.raises(ValueError, match='topk must be positive integers'):
        Accuracy(topk=topk)


def test_calculate_errors():
    with pytest.raises(ValueError, match=r"size of pred \(2\) doesn't match the target \(1\)"):
        Accuracy.calculate(torch.rand(2, 3), torch.tensor([0]))
    with pytest.raises(ValueError, match=r'gt_label values must be class indices in \[0, 3\), '
                                         r'got \[0, 5\]'):
        Accuracy.calculate(torch.rand(2, 3), torch.tensor([5, 0]))


def test_topk_beyond_the_classes_points_at_the_config(class_samples):
    metric = Accuracy(topk=5)
    metric.process(None, class_samples)
    with pytest.raises(ValueError, match='Top-5 accuracy is unavailable since the number of '
                                         'categories is 4. Please check the `val_evaluator`'):
        metric.evaluate(11)


def test_no_samples_is_an_error():
    with pytest.raises(ValueError, match="No 'gt_label' values to compute the metric from"):
        Accuracy().evaluate(0)
