"""``Accuracy``: top-k classification accuracy with score thresholds (mmpretrain's metric)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from mmlightning.registry import METRICS

from .metric import BaseMetric
from .samples import batch_values, get_field, to_tensor

_CONFIG_HINT = ' Please check the `val_evaluator` and `test_evaluator` fields in your config file.'


def _topk_hits(pred: Tensor, target: Tensor, k: int) -> Tensor:
    """Return, per sample, whether ``target`` is among the ``k`` best scores (torchmetrics)."""
    from torchmetrics.functional.classification import multiclass_accuracy

    # one "sample-wise" position per sample: the accuracy of each sample is its hit (0 or 1)
    hits = multiclass_accuracy(pred.unsqueeze(-1), target.unsqueeze(-1), num_classes=pred.size(1),
                               top_k=k, average='micro', multidim_average='samplewise')
    return hits.bool()


def _label_accuracy(pred: Tensor, target: Tensor) -> Tensor:
    from torchmetrics.functional.classification import multiclass_accuracy

    num_classes = int(max(pred.max(), target.max())) + 1
    acc = multiclass_accuracy(pred.long(), target, num_classes=num_classes, average='micro')
    return (acc * 100.0).reshape(1)


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Top-k accuracy in percent, optionally counting only scores above thresholds.

    Data samples (dicts, as ``Evaluator.process`` passes them) hold:

    - ``gt_label``: the class index (int, 0-d tensor or shape ``(1,)``);
    - ``pred_score``: the class scores, shape ``(num_classes,)``; or, if
      absent, ``pred_label``: the predicted class index (then only ``top1`` is
      computed and ``topk`` / ``thrs`` do not apply).

    A sample counts as correct at top-k and threshold ``thr`` if its true class
    is among its ``k`` highest scores and that class's score is ``> thr``
    (``thr=None``: no threshold). Names are ``top{k}``, and with several
    thresholds ``top{k}_thr-{thr:.2f}`` / ``top{k}_no-thr``; the default prefix
    makes them ``accuracy/top1``.

    Args:
        topk: The k of top-k, an int or a tuple. Defaults to ``(1,)``.
        thrs: Score threshold(s); None disables it. Defaults to 0.
        collect_device: See :class:`BaseMetric`.
        prefix: See :class:`BaseMetric`; ``'accuracy'`` if None.

    Raises:
        ValueError: If a ``k`` is not a positive integer.
    """

    default_prefix: str | None = 'accuracy'

    def __init__(self, topk: int | Sequence[int] = (1,),
                 thrs: float | Sequence[float | None] | None = 0.,
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = (topk,) if isinstance(topk, int) else tuple(topk)
        if not self.topk or any(not isinstance(k, int) or k < 1 for k in self.topk):
            raise ValueError(f'Accuracy: topk must be positive integers, got {topk!r}.')
        self.thrs = (thrs,) if thrs is None or isinstance(thrs, (int, float)) else tuple(thrs)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's ``pred_score`` (or ``pred_label``) and ``gt_label``."""
        for sample in data_samples:
            key = 'pred_score' if 'pred_score' in sample else 'pred_label'
            self.results.append({key: to_tensor(get_field(sample, key)),
                                 'gt_label': to_tensor(get_field(sample, 'gt_label'))})

    def compute_metrics(self, results: list) -> dict:
        """Compute ``top{k}`` accuracies over all samples.

        Raises:
            ValueError: If there are no results or a k exceeds the number of classes.
        """
        target = batch_values([r['gt_label'] for r in results], 'gt_label')
        if 'pred_label' in results[0]:
            pred = batch_values([r['pred_label'] for r in results], 'pred_label')
            return {'top1': self.calculate(pred, target).item()}
        pred = torch.stack([r['pred_score'] for r in results])
        try:
            acc = self.calculate(pred, target, self.topk, self.thrs)
        except ValueError as error:
            raise ValueError(str(error) + _CONFIG_HINT) from error
        metrics = {}
        for k, row in zip(self.topk, acc):
            for thr, value in zip(self.thrs, row):
                name = f'top{k}'
                if len(self.thrs) > 1:
                    name += '_no-thr' if thr is None else f'_thr-{thr:.2f}'
                metrics[name] = value.item()
        return metrics

    @staticmethod
    def calculate(pred: Tensor, target: Tensor, topk: Sequence[int] = (1,),
                  thrs: Sequence[float | None] = (0.,)) -> Tensor | list[list[Tensor]]:
        """Accuracy in percent of predicted labels or of class scores.

        Args:
            pred: Labels, shape ``(N,)``, or scores, shape ``(N, C)``.
            target: Labels, shape ``(N,)``.
            topk: The k values (scores only).
            thrs: The thresholds (scores only); None means no threshold.

        Returns:
            For labels, a 1-element tensor; for scores, ``acc[i][j]`` (a
            1-element tensor) for ``topk[i]`` and ``thrs[j]``.

        Raises:
            ValueError: If ``pred`` and ``target`` differ in length, a k exceeds
                the number of classes, or a label is out of range.
        """
        pred, target = to_tensor(pred), to_tensor(target).long()
        if pred.size(0) != target.size(0):
            raise ValueError(f"The size of pred ({pred.size(0)}) doesn't match the target "
                             f'({target.size(0)}).')
        if pred.dim() == 1:
            return _label_accuracy(pred, target)
        pred = pred.float()
        if max(topk) > pred.size(1):
            raise ValueError(f'Top-{max(topk)} accuracy is unavailable since the number of '
                             f'categories is {pred.size(1)}.')
        if target.numel() and (target.min() < 0 or target.max() >= pred.size(1)):
            raise ValueError(f'gt_label values must be class indices in [0, {pred.size(1)}), got '
                             f'{sorted(set(target.tolist()))[:10]} (first 10 distinct).')
        target_score = pred.gather(1, target.unsqueeze(1)).squeeze(1)
        results = []
        for k in topk:
            hits = _topk_hits(pred, target, k)
            row = []
            for thr in thrs:
                correct = hits if thr is None else hits & (target_score > thr)
                row.append(correct.float().sum(0, keepdim=True) * (100.0 / pred.size(0)))
            results.append(row)
        return results
