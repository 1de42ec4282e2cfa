"""``BaseMetric``: process batches on each rank, compute once on the whole dataset."""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

from torch import Tensor

from mmlightning.dist import broadcast_object_list, collect_results, is_main_process
from mmlightning.structures import BaseDataElement

logger = logging.getLogger('mmlightning')

_COLLECT_DEVICES = ('cpu', 'gpu', 'npu')


class BaseMetric(metaclass=ABCMeta):
    """Base class of metrics: ``process`` batches, then ``evaluate`` the whole dataset.

    ``process`` appends per-sample results to ``self.results`` on each rank.
    ``evaluate(size)`` gathers them on rank 0 in dataset order (undoing
    ``DefaultSampler``'s round-robin split and dropping its padding, see
    :func:`mmlightning.dist.collect_results`), calls ``compute_metrics`` there
    once, prefixes the names and broadcasts the dict, so every rank returns
    the same metrics.

    Subclasses set the class attribute ``default_prefix``.

    Args:
        collect_device: How results travel between ranks: ``'cpu'`` (pickle
            files in a shared directory) or ``'gpu'`` / ``'npu'`` (the
            communication backend). Defaults to ``'cpu'``.
        prefix: Prepended to every metric name as ``'<prefix>/<name>'``, to
            tell apart homonymous metrics; ``default_prefix`` if None.
        collect_dir: Shared directory for ``collect_device='cpu'``; a fresh
            subdirectory of ``./.dist_test`` if None.

    Raises:
        ValueError: For another ``collect_device``, or ``collect_dir`` with a
            device other than ``'cpu'``.
    """

    default_prefix: str | None = None

    def __init__(self, collect_device: str = 'cpu', prefix: str | None = None,
                 collect_dir: str | None = None) -> None:
        if collect_device not in _COLLECT_DEVICES:
            raise ValueError(f'{type(self).__name__}: collect_device must be one of '
                             f'{_COLLECT_DEVICES}, got {collect_device!r}.')
        if collect_dir is not None and collect_device != 'cpu':
            raise ValueError(f"{type(self).__name__}: collect_dir ({collect_dir!r}) could only be "
                             f"configured when collect_device='cpu', got {collect_device!r}.")
        self._dataset_meta: dict | None = None
        self.collect_device = collect_device
        self.results: list[Any] = []
        self.prefix = prefix or self.default_prefix
        self.collect_dir = collect_dir
        if self.prefix is None:
            logger.warning('The prefix is not set in metric class %s.', type(self).__name__)

    @property
    def dataset_meta(self) -> dict | None:
        """Meta information of the dataset (class names, palette, ...)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta

    @abstractmethod
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store what ``compute_metrics`` needs from one batch in ``self.results``.

        Args:
            data_batch: The batch from the dataloader.
            data_samples: The model's outputs for the batch, one dict per sample.
        """

    @abstractmethod
    def compute_metrics(self, results: list) -> dict:
        """Compute the metrics from the results of the whole dataset.

        Args:
            results: Every sample's entry of ``self.results``, in dataset order.

        Returns:
            Metric names mapped to values.
        """

    def evaluate(self, size: int) -> dict:
        """Compute the metrics over the whole dataset and reset ``self.results``.

        If ``compute_metrics`` raises on rank 0, every rank raises (rank 0 the
        original error, the others a ``RuntimeError`` quoting it) instead of the
        others waiting forever for the broadcast.

        Args:
            size: Length of the dataset; the padding samplers add to give every
                rank the same number of samples is dropped.

        Returns:
            The metrics, keys prefixed with ``'<prefix>/'``; the same on every rank.
        """
        if not self.results:
            logger.warning('%s got empty `self.results`. Please ensure that the processed '
                           'results are properly added into `self.results` in `process` '
                           'method.', type(self).__name__)
        results = collect_results(self.results, size, self.collect_device,
                                  tmpdir=self.collect_dir)
        failure: Exception | None = None
        message: list[Any] = [None]
        if is_main_process():
            try:
                message[0] = ('ok', self._compute_prefixed(_to_cpu(results)))
            except Exception as error:  # re-raised below, after the other ranks are told
                failure = error
                message[0] = ('error', f'{type(error).__name__}: {error}')
        broadcast_object_list(message)
        self.results.clear()
        if failure is not None:
            raise failure
        status, value = message[0]
        if status == 'error':
            raise RuntimeError(f'{type(self).__name__}.compute_metrics failed on rank 0: {value}')
        return value

    def _compute_prefixed(self, results: list) -> dict:
        metrics = self.compute_metrics(results)
        if not isinstance(metrics, dict):
            raise TypeError(f'{type(self).__name__}.compute_metrics must return a dict of metric '
                            f'values, got {type(metrics).__name__}.')
        if self.prefix:
            return {f'{self.prefix}/{name}': value for name, value in metrics.items()}
        return metrics


def _to_cpu(data: Any) -> Any:
    """Move every tensor and data element in (nested lists/tuples/dicts of) ``data`` to CPU."""
    if isinstance(data, (Tensor, BaseDataElement)):
        return data.to('cpu')
    if isinstance(data, list):
        return [_to_cpu(d) for d in data]
    if isinstance(data, tuple):
        return tuple(_to_cpu(d) for d in data)
    if isinstance(data, dict):
        return {k: _to_cpu(v) for k, v in data.items()}
    return data
