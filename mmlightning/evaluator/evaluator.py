"""``Evaluator``: feed the model's outputs to several metrics and merge their results."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from mmlightning.dataset import pseudo_collate
from mmlightning.registry import EVALUATOR, METRICS
from mmlightning.structures.element_types import data_element_types

from .errors import EvaluatorValueError
from .metric import BaseMetric


def _chunks(items: Iterable, chunk_size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _build_metric(metric: Any, index: int) -> BaseMetric:
    if isinstance(metric, Mapping):
        return METRICS.build(metric)
    if isinstance(metric, BaseMetric) or (hasattr(metric, 'process')
                                           and hasattr(metric, 'evaluate')):
        return metric  # ours, or an OpenMMLab package's (MMEngine's BaseMetric)
    raise TypeError(f'Evaluator: metrics[{index}] must be a BaseMetric or a config dict with a '
                    f'`type`, got {type(metric).__name__}: {metric!r}.')


@EVALUATOR.register_module()
class Evaluator:
    """Run one or several metrics over the same model outputs.

    Args:
        metrics: A metric, a metric config (``dict(type='Accuracy', ...)``,
            built from ``METRICS``), or a sequence of them.

    Raises:
        TypeError: If an item is neither a ``BaseMetric`` nor a config dict.
    """

    def __init__(self, metrics: Mapping | BaseMetric | Sequence) -> None:
        self._dataset_meta: dict | None = None
        if isinstance(metrics, (Mapping, BaseMetric, str)) or not isinstance(metrics, Sequence):
            metrics = [metrics]
        self.metrics: list[BaseMetric] = [_build_metric(m, i) for i, m in enumerate(metrics)]

    @property
    def dataset_meta(self) -> dict | None:
        """Meta information of the dataset; setting it sets it on every metric."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta
        for metric in self.metrics:
            metric.dataset_meta = dataset_meta

    def process(self, data_samples: Sequence, data_batch: Any | None = None) -> None:
        """Pass a batch of outputs to every metric's ``process``.

        Data elements (mmlightning's ``BaseDataElement``, or MMEngine's for an
        OpenMMLab package's samples) are converted with ``to_dict()`` first, so
        metrics see plain dicts, as MMEngine's ``Evaluator`` gives them.

        Args:
            data_samples: The model's outputs (and ground truth) for the batch.
            data_batch: The batch from the dataloader.
        """
        element_types = data_element_types()
        samples = [s.to_dict() if isinstance(s, element_types) else s for s in data_samples]
        for metric in self.metrics:
            metric.process(data_batch, samples)

    def evaluate(self, size: int) -> dict:
        """Evaluate every metric (see :meth:`BaseMetric.evaluate`) and merge the results.

        Args:
            size: Length of the dataset (sampler padding beyond it is dropped).

        Returns:
            All metrics in one dict.

        Raises:
            ValueError: If two metrics produce the same name; the message names
                the names and the metrics (give them different ``prefix``).
        """
        merged: dict[str, Any] = {}
        producers: dict[str, list[str]] = {}
        for metric in self.metrics:
            label = f'{type(metric).__name__}(prefix={metric.prefix!r})'
            for name, value in metric.evaluate(size).items():
                producers.setdefault(name, []).append(label)
                merged[name] = value
        clashes = {name: who for name, who in producers.items() if len(who) > 1}
        if clashes:
            details = '; '.join(f'{name!r} from {" and ".join(who)}'
                                for name, who in clashes.items())
            raise ValueError('There are multiple evaluation results with the same metric name: '
                             f'{details}. Please make sure all metrics have different prefixes.')
        return merged

    def offline_evaluate(self, data_samples: Sequence, data: Sequence | None = None,
                         chunk_size: int = 1) -> dict:
        """Evaluate saved outputs (e.g. from :class:`DumpResults`) without a model.

        Args:
            data_samples: Every sample's outputs and ground truth.
            data: The matching dataset items, passed to ``process`` as
                ``pseudo_collate``-d batches; optional.
            chunk_size: Samples per ``process`` call. Defaults to 1.

        Returns:
            The merged metrics, as :meth:`evaluate`.

        Raises:
            ValueError: If ``data`` and ``data_samples`` differ in length, or
                ``chunk_size`` is not positive.
        """
        if chunk_size < 1:
            raise ValueError(f'chunk_size must be a positive integer, got {chunk_size!r}.')
        if data is not None and len(data) != len(data_samples):
            raise EvaluatorValueError('data_samples and data should have the same length, but '
                                      f'got data_samples length: {len(data_samples)} data '
                                      f'length: {len(data)}')
        data_chunks = _chunks(data, chunk_size) if data is not None else None
        size = 0
        for output_chunk in _chunks(data_samples, chunk_size):
            data_chunk = pseudo_collate(next(data_chunks)) if data_chunks is not None else None
            size += len(output_chunk)
            self.process(output_chunk, data_chunk)
        return self.evaluate(size)
