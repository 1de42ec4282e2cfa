"""TorchMetrics adapter: type resolution, building, extraction from data samples, results."""
from __future__ import annotations

import pytest
import torch
import torchmetrics
from torchmetrics.classification import MulticlassAccuracy

from mmlightning.evaluator import Evaluator, TorchMetrics, resolve_torchmetrics_class
from mmlightning.evaluator.samples import batch_values, get_field
from mmlightning.registry import METRICS


def test_types_resolve_from_torchmetrics_and_its_task_packages():
    assert resolve_torchmetrics_class('MeanSquaredError') is torchmetrics.MeanSquaredError
    assert resolve_torchmetrics_class('MulticlassAccuracy') is MulticlassAccuracy
    from torchmetrics.segmentation import MeanIoU
    assert resolve_torchmetrics_class('MeanIoU') is MeanIoU
    assert resolve_torchmetrics_class('torchmetrics.regression.MeanAbsoluteError') is \
        torchmetrics.MeanAbsoluteError


def test_unknown_types_suggest_close_names():
    with pytest.raises(KeyError, match=r"'MultiClassAccuracy' is not a torchmetrics metric .*"
                                       "Did you mean one of 'MulticlassAccuracy'"):
        resolve_torchmetrics_class('MultiClassAccuracy')
    with pytest.raises(KeyError, match="Cannot import the torchmetrics metric 'torchmetrics.Nope'"):
        resolve_torchmetrics_class('torchmetrics.Nope')
    with pytest.raises(TypeError, match="'torchmetrics.functional.accuracy' is not a torchmetrics "
                                        'Metric class'):
        resolve_torchmetrics_class('torchmetrics.functional.accuracy')


def test_build_from_config_instance_or_class():
    metric = METRICS.build(dict(type='TorchMetrics', prefix='val',
                                metric=dict(type='MulticlassAccuracy', num_classes=3)))
    assert isinstance(metric.metric, MulticlassAccuracy) and metric.metric.num_classes == 3
    assert metric.metric.sync_on_compute is False and metric.name == 'MulticlassAccuracy'
    assert metric.metric.distributed_available_fn() is False  # rank 0 computes alone
    assert (metric.pred_key, metric.target_key) == ('pred_score', 'gt_label')
    mine = MulticlassAccuracy(num_classes=3)
    wrapped = TorchMetrics(mine, name='acc')
    assert wrapped.metric is not mine and mine.sync_on_compute is True and wrapped.name == 'acc'
    assert wrapped.metric.distributed_available_fn() is False
    assert isinstance(TorchMetrics(dict(type=MulticlassAccuracy, num_classes=2)).metric,
                      MulticlassAccuracy)


def test_build_errors():
    with pytest.raises(KeyError, match=r"metric=\{'num_classes': 3\} has no `type`; e.g. "):
        TorchMetrics(dict(num_classes=3))
    with pytest.raises(TypeError, match=r"metric must be a config dict .* got str: 'acc'"):
        TorchMetrics('acc')
    with pytest.raises(ValueError, match='Unexpected keyword arguments: `num_clases`') as info:
        TorchMetrics(dict(type='MeanSquaredError', num_clases=3))
    assert "while building TorchMetrics.metric (type='MeanSquaredError')" in \
        '\n'.join(getattr(info.value, '__notes__', []))


def test_classification_from_scores_and_labels(class_samples):
    scores = torch.stack([s['pred_score'] for s in class_samples])
    labels = torch.cat([s['gt_label'] for s in class_samples])
    expected = MulticlassAccuracy(num_classes=4)(scores, labels).item()
    for pred_key in ('pred_score', 'pred_label'):
        metric = TorchMetrics(dict(type='MulticlassAccuracy', num_classes=4), prefix='val',
                              pred_key=pred_key)
        evaluator = Evaluator(metric)
        evaluator.process(class_samples[:6])
        evaluator.process(class_samples[6:])
        assert evaluator.evaluate(11) == {'val/MulticlassAccuracy': pytest.approx(expected)}
        assert metric.results == []
    metric = TorchMetrics(dict(type='MulticlassAccuracy', num_classes=4), prefix='val')
    metric.process(None, class_samples)
    assert metric.evaluate(5)['val/MulticlassAccuracy'] == pytest.approx(
        MulticlassAccuracy(num_classes=4)(scores[:5], labels[:5]).item())


def test_nested_keys_and_non_scalar_results():
    samples = [{'pred': {'data': torch.tensor([0, 1])}, 'gt': {'data': torch.tensor([0, 0])}},
               {'pred': {'data': torch.tensor([1, 1])}, 'gt': {'data': torch.tensor([1, 1])}}]
    metric = TorchMetrics(dict(type='MulticlassAccuracy', num_classes=2, average=None),
                          pred_key='pred.data', target_key='gt.data', prefix='seg')
    metric.process(None, samples)
    assert metric.evaluate(2) == {'seg/MulticlassAccuracy': [0.5, 1.0]}


def test_dict_results_keep_their_keys():
    collection = torchmetrics.MetricCollection({'mse': torchmetrics.MeanSquaredError(),
                                                'mae': torchmetrics.MeanAbsoluteError()})
    metric = TorchMetrics(collection, pred_key='pred', target_key='gt', prefix='reg')
    metric.process(None, [{'pred': 1.0, 'gt': 0.0}, {'pred': 2.0, 'gt': 4.0}])
    assert metric.evaluate(2) == {'reg/mse': 2.5, 'reg/mae': 1.5}


def test_missing_field_names_what_is_there():
    metric = TorchMetrics(dict(type='MeanSquaredError'), pred_key='pred_scores')
    with pytest.raises(KeyError, match=r"'pred_scores': the data sample has no 'pred_scores' \(it "
                                       r"has \['pred_score', 'gt_label'\]\)\. Did you mean "
                                       "'pred_score'.* Set pred_key / target_key"):
        metric.process(None, [{'pred_score': 1.0, 'gt_label': 1.0}])
    with pytest.raises(KeyError, match=r"'gt.label': gt has no 'label' \(it has \['data'\]\)"):
        get_field({'gt': {'data': 1}}, 'gt.label')


def test_fields_of_data_elements_are_read_too():
    from mmlightning.structures import BaseDataElement, LabelData

    sample = BaseDataElement(gt_label=LabelData(label=torch.tensor([2])))
    assert get_field(sample, 'gt_label.label').tolist() == [2]
    with pytest.raises(KeyError, match=r"'gt_label.score': gt_label has no 'score'"):
        get_field(sample, 'gt_label.score')


def test_batching_rules():
    assert batch_values([torch.tensor([1]), torch.tensor(2)], 'gt_label').tolist() == [1, 2]
    assert batch_values([torch.ones(2), torch.zeros(2)], 'p').shape == (2, 2)
    with pytest.raises(ValueError, match=r"'p' values .* different shapes \[\(2,\), \(3,\)\]"):
        batch_values([torch.ones(2), torch.ones(3)], 'p')
    with pytest.raises(ValueError, match="No 'p' values to compute the metric from"):
        batch_values([], 'p')


def test_compute_errors_of_empty_evaluation_are_clear():
    metric = TorchMetrics(dict(type='MeanSquaredError'), prefix='x')
    with pytest.raises(ValueError, match="No 'pred_score' values"):
        metric.evaluate(0)
