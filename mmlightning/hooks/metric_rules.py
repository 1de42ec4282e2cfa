"""Whether a greater or a smaller metric is better: MMEngine's rules for ``CheckpointHook``
(``save_best``) and ``EarlyStoppingHook`` (``monitor``)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: The comparison of each rule: ``better(new, best)``.
RULE_MAP: dict[str, Callable[[Any, Any], bool]] = {'greater': lambda x, y: x > y,
                                                  'less': lambda x, y: x < y}
#: Metric names (or parts of names) where greater is better.
DEFAULT_GREATER_KEYS = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU',
                        'mAcc', 'aAcc']
#: Metric names (or parts of names) where less is better.
DEFAULT_LESS_KEYS = ['loss']


def infer_rule(key: str, greater_keys: Iterable[str] = DEFAULT_GREATER_KEYS,
               less_keys: Iterable[str] = DEFAULT_LESS_KEYS) -> str | None:
    """``'greater'`` or ``'less'`` for the metric ``key``, case-insensitively.

    An exact name match wins over a part-of-name match, and ``greater_keys`` over
    ``less_keys`` at the same level, as in MMEngine.

    Returns:
        The rule, or ``None`` if neither list matches.
    """
    name = key.lower()
    greater = {k.lower() for k in greater_keys}
    less = {k.lower() for k in less_keys}
    for rule, keys in (('greater', greater), ('less', less)):
        if name in keys:
            return rule
    for rule, keys in (('greater', greater), ('less', less)):
        if any(k in name for k in keys):
            return rule
    return None
