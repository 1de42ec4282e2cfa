"""BaseMetric in one process: arguments, prefixing, truncation, clearing, warnings, errors."""
from __future__ import annotations

import logging

import pytest
import torch

from mmlightning.evaluator import BaseMetric
from mmlightning.evaluator.metric import _to_cpu
from mmlightning.structures import BaseDataElement


class SumMetric(BaseMetric):
    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        self.results.extend(s['value'] for s in data_samples)

    def compute_metrics(self, results):
        return {'sum': sum(results), 'count': len(results), 'seen': list(results)}


class NoPrefixMetric(SumMetric):
    default_prefix = None


def test_constructor_arguments_and_default_prefix():
    metric = SumMetric()
    assert (metric.collect_device, metric.prefix, metric.collect_dir) == ('cpu', 'toy', None)
    assert metric.results == [] and metric.dataset_meta is None
    assert SumMetric(prefix='val', collect_device='gpu').prefix == 'val'
    assert SumMetric(collect_dir='/tmp/shared').collect_dir == '/tmp/shared'


def test_bad_collect_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"SumMetric: collect_device must be one of .* got 'cuda'"):
        SumMetric(collect_device='cuda')
    with pytest.raises(ValueError, match=r"collect_dir \('/x'\) could only be configured when "
                                         "collect_device='cpu', got 'gpu'"):
        SumMetric(collect_device='gpu', collect_dir='/x')


def test_missing_prefix_is_warned(caplog):
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        metric = NoPrefixMetric()
    assert 'The prefix is not set in metric class NoPrefixMetric' in caplog.text
    metric.process(None, [{'value': 2}])
    assert metric.evaluate(1) == {'sum': 2, 'count': 1, 'seen': [2]}  # no prefix, no slash


def test_evaluate_prefixes_truncates_and_clears():
    metric = SumMetric(prefix='val')
    metric.dataset_meta = {'classes': ('a', 'b')}
    metric.process(None, [{'value': v} for v in (1, 2, 3, 4)])
    assert metric.evaluate(3) == {'val/sum': 6, 'val/count': 3, 'val/seen': [1, 2, 3]}
    assert metric.results == []
    assert metric.dataset_meta == {'classes': ('a', 'b')}


def test_empty_results_are_warned(caplog):
    metric = SumMetric()
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        assert metric.evaluate(0) == {'toy/sum': 0, 'toy/count': 0, 'toy/seen': []}
    assert 'SumMetric got empty `self.results`' in caplog.text


class OnAccelerator(torch.Tensor):
    """A tensor that pretends to live on an accelerator: ``.to('cpu')`` gives a plain tensor."""

    def to(self, *args, **kwargs):
        assert args == ('cpu',)
        return self.as_subclass(torch.Tensor).clone()


def on_accelerator(*values):
    return torch.tensor(values).as_subclass(OnAccelerator)


def test_tensors_reach_compute_metrics_on_cpu():
    seen = []

    class Keep(SumMetric):
        def compute_metrics(self, results):
            seen.extend(results)
            return {}

    metric = Keep()
    element = BaseDataElement(score=on_accelerator(2.0))
    metric.results = [on_accelerator(1.0), {'a': [(element,)]}]
    assert metric.evaluate(2) == {}
    assert type(seen[0]) is torch.Tensor and seen[0].tolist() == [1.0]
    assert type(seen[1]['a'][0][0].score) is torch.Tensor


def test_compute_metrics_must_return_a_dict():
    class Bad(SumMetric):
        def compute_metrics(self, results):
            return 0.5

    metric = Bad()
    metric.results = [1]
    with pytest.raises(TypeError, match='Bad.compute_metrics must return a dict of metric values, '
                                        'got float'):
        metric.evaluate(1)
    assert metric.results == []


def test_compute_errors_propagate_unchanged_in_one_process():
    class Broken(SumMetric):
        def compute_metrics(self, results):
            raise ZeroDivisionError('no samples of class 3')

    with pytest.raises(ZeroDivisionError, match='no samples of class 3'):
        Broken().evaluate(0)


def test_abstract_methods_must_be_implemented():
    with pytest.raises(TypeError, match='abstract'):
        BaseMetric()


def test_to_cpu_keeps_structure():
    data = {'a': [on_accelerator(0.0), (1, 'x')], 'b': None}
    moved = _to_cpu(data)
    assert type(moved['a'][0]) is torch.Tensor and moved['a'][1] == (1, 'x') and moved['b'] is None
