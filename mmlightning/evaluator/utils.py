"""Look up one metric in an evaluator's results by full or short name."""
from __future__ import annotations

from typing import Any

from mmlightning.utils.suggestions import did_you_mean


def get_metric_value(indicator: str, metrics: dict) -> Any:
    """Return the value of ``indicator`` in ``metrics``.

    Args:
        indicator: A full name with prefix (``'coco/AP'``) or a name without it
            (``'AP'``), which must match exactly one metric.
        metrics: The results of :meth:`Evaluator.evaluate`.

    Returns:
        The metric value.

    Raises:
        ValueError: If nothing matches, or a short name matches several metrics.
    """
    if '/' in indicator:
        if indicator in metrics:
            return metrics[indicator]
        raise ValueError(f'The indicator "{indicator}" can not match any metric in '
                         f'{list(metrics)}.' + did_you_mean(indicator, metrics))
    matched = [name for name in metrics if name.split('/')[-1] == indicator]
    if not matched:
        short_names = [name.split('/')[-1] for name in metrics]
        raise ValueError(f'The indicator {indicator} can not match any metric in '
                         f'{list(metrics)}.' + did_you_mean(indicator, short_names))
    if len(matched) > 1:
        raise ValueError(f'The indicator "{indicator}" matches multiple metrics {matched}; use '
                         'the full name with its prefix.')
    return metrics[matched[0]]
