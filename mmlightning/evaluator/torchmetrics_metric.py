"""``TorchMetrics``: any torchmetrics ``Metric`` as an MMEngine-style metric, from config.

Example::

    val_evaluator = dict(
        type='TorchMetrics',
        metric=dict(type='MulticlassF1Score', num_classes=10, average='macro'),
        pred_key='pred_score', target_key='gt_label', prefix='val')
    # -> {'val/MulticlassF1Score': 0.87}
"""
from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from torch import Tensor

from mmlightning.registry import METRICS
from mmlightning.utils.errors import ReadableKeyError, add_note
from mmlightning.utils.suggestions import did_you_mean

from .metric import BaseMetric
from .samples import batch_values, get_field, to_tensor

if TYPE_CHECKING:
    from torchmetrics import Metric, MetricCollection

# searched in this order after the top-level ``torchmetrics`` namespace
_SUBMODULES = ('classification', 'regression', 'aggregation', 'segmentation', 'retrieval',
               'nominal', 'clustering', 'wrappers', 'image', 'text', 'audio', 'detection',
               'multimodal', 'shape', 'video')


def _single_process() -> bool:
    """``distributed_available_fn`` of wrapped metrics: rank 0 computes alone, never syncs."""
    return False


def _metric_classes(module: Any) -> dict[str, type]:
    from torchmetrics import Metric

    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, Metric)}


def resolve_torchmetrics_class(name: str) -> type[Metric]:
    """Return the torchmetrics ``Metric`` class called ``name``.

    Looks in ``torchmetrics``, then its task subpackages (classification,
    regression, segmentation, retrieval, detection, ...); a dotted path such as
    ``'torchmetrics.detection.MeanAveragePrecision'`` is imported directly.

    Args:
        name: Class name or dotted path.

    Returns:
        The class.

    Raises:
        KeyError: If no such metric exists; the message suggests close names.
        TypeError: If the dotted path names something that is not a ``Metric``.
    """
    import torchmetrics

    if '.' in name:
        module_name, _, attr = name.rpartition('.')
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as error:
            raise ReadableKeyError(f'Cannot import the torchmetrics metric {name!r}: '
                                   f'{error}.') from error
        if not (isinstance(obj, type) and issubclass(obj, torchmetrics.Metric)):
            raise TypeError(f'{name!r} is not a torchmetrics Metric class, got {obj!r}.')
        return obj
    known = _metric_classes(torchmetrics)
    if name in known:
        return known[name]
    for sub in _SUBMODULES:
        try:
            classes = _metric_classes(importlib.import_module(f'torchmetrics.{sub}'))
        except ImportError:  # a subpackage whose optional dependency is missing
            continue
        if name in classes:
            return classes[name]
        known.update(classes)
    raise ReadableKeyError(f'{name!r} is not a torchmetrics metric (searched torchmetrics and '
                           f'torchmetrics.{{{",".join(_SUBMODULES)}}}).'
                           + did_you_mean(name, known)
                           + " A dotted path such as 'torchmetrics.detection.MeanAveragePrecision'"
                             ' also works.')


def build_torchmetric(metric: Mapping | Metric | MetricCollection) -> Metric | MetricCollection:
    """Build a torchmetrics metric from ``dict(type=..., **kwargs)``, or copy an instance.

    Args:
        metric: Config dict (``type`` is a name, dotted path or class) or a
            ``Metric`` / ``MetricCollection`` instance (deep-copied, so the
            caller's object is untouched).

    Returns:
        A metric whose ``compute`` never synchronises across ranks
        (``sync_on_compute=False`` and a ``distributed_available_fn`` that
        answers False): ``BaseMetric`` gathers the samples and only rank 0
        computes, so a torchmetrics sync would wait forever for the others.

    Raises:
        TypeError: If ``metric`` is neither.
        ValueError: (or ``TypeError``) from torchmetrics, if the arguments do not
            fit the class; a note names the class.
        KeyError: If ``type`` is missing or unknown.
    """
    from torchmetrics import Metric, MetricCollection

    if isinstance(metric, (Metric, MetricCollection)):
        built = copy.deepcopy(metric)
    elif isinstance(metric, Mapping):
        kwargs = dict(metric)
        if 'type' not in kwargs:
            raise ReadableKeyError(f'TorchMetrics: metric={dict(metric)!r} has no `type`; e.g. '
                                   "metric=dict(type='MulticlassAccuracy', num_classes=10).")
        metric_type = kwargs.pop('type')
        cls = resolve_torchmetrics_class(metric_type) if isinstance(metric_type, str) \
            else metric_type
        try:
            built = cls(**kwargs)
        except (TypeError, ValueError) as error:  # torchmetrics raises ValueError for kwargs
            add_note(error, f'while building TorchMetrics.metric (type={cls.__name__!r})')
            raise
    else:
        raise TypeError('TorchMetrics: metric must be a config dict with a `type` or a '
                        f'torchmetrics Metric, got {type(metric).__name__}: {metric!r}.')
    for member in built.values() if isinstance(built, MetricCollection) else [built]:
        member.sync_on_compute = False
        member.distributed_available_fn = _single_process  # also stops the sync set up in init
    return built


def _to_python(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.item() if value.dim() == 0 else value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_python(v) for v in value]
    return value


@METRICS.register_module()
class TorchMetrics(BaseMetric):
    """A torchmetrics ``Metric`` fed from data samples, with MMEngine's gathering.

    For each data sample (a dict, see :mod:`mmlightning.evaluator.samples`),
    ``process`` keeps ``sample[pred_key]`` and ``sample[target_key]`` as CPU
    tensors. ``evaluate`` gathers them from all ranks through
    :class:`BaseMetric` (so the sampler's padding is removed exactly), batches
    them (one-element values such as ``gt_label`` of shape ``(1,)`` are
    concatenated to ``(N,)``, others stacked to ``(N, ...)``), and rank 0 runs
    ``metric.update(preds, target)`` and ``metric.compute()`` once; the result
    is broadcast, so every rank returns the same numbers. torchmetrics' own
    synchronisation is switched off.

    Results: a scalar becomes ``{name: float}``, a non-scalar tensor or tuple
    ``{name: list}``, and a dict (e.g. from ``MetricCollection``) keeps its keys.
    Every key gets ``'<prefix>/'``.

    Args:
        metric: ``dict(type='MulticlassAccuracy', num_classes=10, ...)`` (the
            type resolved in ``torchmetrics`` and its task subpackages) or a
            ``Metric`` / ``MetricCollection`` instance.
        pred_key: Field of the predictions, dotted for nested fields
            (``'pred_sem_seg.data'``). Defaults to ``'pred_score'`` (class
            scores); ``'pred_label'`` gives class indices.
        target_key: Field of the ground truth. Defaults to ``'gt_label'``.
        name: Name of a scalar result; the metric's class name if None.
        collect_device: See :class:`BaseMetric`.
        prefix: See :class:`BaseMetric`.
        collect_dir: See :class:`BaseMetric`.
    """

    def __init__(self, metric: Mapping | Metric | MetricCollection, pred_key: str = 'pred_score',
                 target_key: str = 'gt_label', name: str | None = None,
                 collect_device: str = 'cpu', prefix: str | None = None,
                 collect_dir: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.metric = build_torchmetric(metric)
        self.pred_key = pred_key
        self.target_key = target_key
        self.name = name or type(self.metric).__name__

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's prediction and target as CPU tensors."""
        for sample in data_samples:
            self.results.append((to_tensor(get_field(sample, self.pred_key)),
                                 to_tensor(get_field(sample, self.target_key))))

    def compute_metrics(self, results: list) -> dict:
        """Run the torchmetrics metric once over every sample's prediction and target."""
        preds = batch_values([pred for pred, _ in results], self.pred_key)
        target = batch_values([gt for _, gt in results], self.target_key)
        self.metric.reset()
        try:
            self.metric.update(preds, target)
            value = self.metric.compute()
        finally:
            self.metric.reset()
        if isinstance(value, Mapping):
            return {str(k): _to_python(v) for k, v in value.items()}
        return {self.name: _to_python(value)}
