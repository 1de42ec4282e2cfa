"""Metrics and evaluators (``mmengine.evaluator``).

``BaseMetric`` subclasses ``process`` batches of data samples on every rank;
``evaluate(len(dataset))`` gathers the results on rank 0 in dataset order
(without the sampler's padding), computes once and gives every rank the same
metrics. ``Evaluator`` runs several metrics; ``TorchMetrics`` wraps any
torchmetrics metric; ``Accuracy`` is mmpretrain's top-k accuracy.
"""
from .accuracy import Accuracy
from .dump_results import DumpResults
from .evaluator import Evaluator
from .gaussian_mixture_coverage import GaussianMixtureCoverage
from .metric import BaseMetric
from .torchmetrics_metric import TorchMetrics, resolve_torchmetrics_class
from .utils import get_metric_value

__all__ = ['Accuracy', 'BaseMetric', 'DumpResults', 'Evaluator', 'TorchMetrics',
           'get_metric_value', 'resolve_torchmetrics_class',
           'GaussianMixtureCoverage']
