"""Evaluator: building metrics, conversion of data elements, merging, offline evaluation."""
from __future__ import annotations

import pytest
import torch

from mmlightning.evaluator import Accuracy, BaseMetric, Evaluator, get_metric_value
from mmlightning.registry import EVALUATOR, METRICS
from mmlightning.structures import BaseDataElement


class Recorder(BaseMetric):
    """Keeps what process receives; computes the mean of `value` under `name`."""

    default_prefix = 'rec'

    def __init__(self, name='mean', **kwargs):
        super().__init__(**kwargs)
        self.name = name
        self.batches = []

    def process(self, data_batch, data_samples):
        self.batches.append((data_batch, list(data_samples)))
        self.results.extend(float(s['value']) for s in data_samples)

    def compute_metrics(self, results):
        return {self.name: sum(results) / max(len(results), 1)}


@pytest.fixture(autouse=True)
def registered_recorder():
    METRICS.register_module(module=Recorder, force=True)
    yield
    METRICS.module_dict.pop('Recorder', None)


def test_metrics_from_a_config_an_instance_or_a_list():
    single = Evaluator(dict(type='Recorder', prefix='a'))
    assert [type(m) for m in single.metrics] == [Recorder] and single.metrics[0].prefix == 'a'
    instance = Recorder()
    assert Evaluator(instance).metrics == [instance]
    mixed = Evaluator([dict(type='Accuracy'), instance])
    assert isinstance(mixed.metrics[0], Accuracy) and mixed.metrics[1] is instance
    assert isinstance(EVALUATOR.build(dict(type='Evaluator', metrics=dict(type='Recorder'))),
                      Evaluator)


@pytest.mark.parametrize('bad, shown', [('Accuracy', "metrics\\[0\\] .* got str: 'Accuracy'"),
                                        ([Recorder(), 3], r'metrics\[1\] .* got int: 3')])
def test_metrics_of_the_wrong_type_are_rejected(bad, shown):
    with pytest.raises(TypeError, match=shown):
        Evaluator(bad)


def test_dataset_meta_reaches_every_metric():
    evaluator = Evaluator([Recorder(), Recorder(prefix='b')])
    evaluator.dataset_meta = {'classes': ('cat', 'dog')}
    assert evaluator.dataset_meta == {'classes': ('cat', 'dog')}
    assert all(m.dataset_meta == {'classes': ('cat', 'dog')} for m in evaluator.metrics)


def test_process_converts_data_elements_to_dicts():
    metric = Recorder()
    evaluator = Evaluator(metric)
    element = BaseDataElement(metainfo={'img_id': 3}, value=torch.tensor(2.0))
    evaluator.process([element, {'value': 4.0}], data_batch={'inputs': 'batch'})
    data_batch, samples = metric.batches[0]
    assert data_batch == {'inputs': 'batch'}
    assert samples[0] == {'img_id': 3, 'value': torch.tensor(2.0)} and type(samples[0]) is dict
    assert samples[1] == {'value': 4.0}


def test_evaluate_merges_every_metric():
    evaluator = Evaluator([Recorder(), Recorder(name='other', prefix='val')])
    evaluator.process([{'value': 1.0}, {'value': 3.0}, {'value': 8.0}])
    assert evaluator.evaluate(2) == {'rec/mean': 2.0, 'val/other': 2.0}
    assert all(m.results == [] for m in evaluator.metrics)


def test_duplicate_metric_names_are_reported_with_their_metrics():
    evaluator = Evaluator([Recorder(), Accuracy(prefix='rec'), Recorder()])
    evaluator.process([{'value': 1.0, 'pred_label': torch.tensor([1]),
                        'gt_label': torch.tensor([1])}])
    with pytest.raises(ValueError, match=r"same metric name: 'rec/mean' from "
                                         r"Recorder\(prefix='rec'\) and Recorder\(prefix='rec'\)\. "
                                         'Please make sure all metrics have different prefixes'):
        evaluator.evaluate(1)
    assert all(m.results == [] for m in evaluator.metrics)  # every metric was evaluated


def test_offline_evaluate_in_chunks_with_data():
    metric = Recorder()
    evaluator = Evaluator(metric)
    samples = [{'value': float(v)} for v in range(5)]
    data = [{'inputs': i} for i in range(5)]
    assert evaluator.offline_evaluate(samples, data, chunk_size=2) == {'rec/mean': 2.0}
    assert [len(s) for _, s in metric.batches] == [2, 2, 1]
    assert metric.batches[0][0] == {'inputs': [0, 1]}  # pseudo_collate-d


def test_offline_evaluate_without_data():
    metric = Recorder()
    result = Evaluator(metric).offline_evaluate([{'value': 1.0}, {'value': 2.0}])
    assert result == {'rec/mean': 1.5}
    assert [b for b, _ in metric.batches] == [None, None]


def test_offline_evaluate_errors():
    evaluator = Evaluator(Recorder())
    with pytest.raises(ValueError, match='same length, but got data_samples length: 2 data '
                                         'length: 1'):
        evaluator.offline_evaluate([{'value': 1}, {'value': 2}], [{}])
    with pytest.raises(AssertionError):  # MMEngine asserts the lengths
        evaluator.offline_evaluate([{'value': 1}, {'value': 2}], [{}])
    with pytest.raises(ValueError, match='chunk_size must be a positive integer, got 0'):
        evaluator.offline_evaluate([{'value': 1}], chunk_size=0)


def test_get_metric_value_by_full_or_short_name():
    metrics = {'coco/AP': 0.5, 'coco/AR': 0.7, 'voc/AR': 0.6}
    assert get_metric_value('coco/AP', metrics) == 0.5
    assert get_metric_value('AP', metrics) == 0.5
    with pytest.raises(ValueError, match=r'"coco/Ap" can not match any metric .* '
                                         "Did you mean one of 'coco/AP'"):
        get_metric_value('coco/Ap', metrics)
    with pytest.raises(ValueError, match="APP can not match any metric .* Did you mean 'AP'"):
        get_metric_value('APP', metrics)
    with pytest.raises(ValueError, match=r'"AR" matches multiple metrics .*full name'):
        get_metric_value('AR', metrics)
