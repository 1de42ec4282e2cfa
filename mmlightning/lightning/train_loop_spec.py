"""MMEngine's ``train_cfg``: how long to train and when to validate, counted as MMEngine counts."""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

EPOCH_LOOPS = ('EpochBasedTrainLoop',)
ITER_LOOPS = ('IterBasedTrainLoop',)
_KNOWN_KEYS = {'type', 'by_epoch', 'max_epochs', 'max_iters', 'val_begin', 'val_interval',
               'dynamic_intervals'}


@dataclass
class TrainLoopSpec:
    """The training schedule of a ``train_cfg``.

    Attributes:
        by_epoch: Epoch-based (``EpochBasedTrainLoop``) or iteration-based.
        max_epochs: Epochs to train (epoch-based).
        max_iters: Iterations (batches, whatever the accumulation or number of
            optimizers) to train (iteration-based).
        val_begin: First epoch (or iteration) after which validation may run.
        val_interval: Validate every this many epochs (or iterations).
        dynamic_intervals: ``[(milestone, interval), ...]``: from each
            milestone on, validate at the new interval.
    """

    by_epoch: bool = True
    max_epochs: int | None = None
    max_iters: int | None = None
    val_begin: int = 1
    val_interval: int = 1
    dynamic_intervals: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def from_cfg(cls, train_cfg: Mapping[str, Any]) -> TrainLoopSpec:
        """Read a ``train_cfg`` (``type=...`` or ``by_epoch=...`` form, as MMEngine accepts).

        Raises:
            ValueError: On an unknown loop type, a missing length, unknown keys or
                non-positive intervals.
        """
        cfg = dict(train_cfg)
        unknown = set(cfg) - _KNOWN_KEYS
        if unknown:
            raise ValueError(f'train_cfg has unknown keys {sorted(unknown)}; known: '
                             f'{sorted(_KNOWN_KEYS)}')
        loop_type = cfg.pop('type', None)
        if loop_type is not None and 'by_epoch' in cfg:
            raise ValueError('train_cfg sets both type and by_epoch; set only one (MMEngine rule)')
        if loop_type is None:
            by_epoch = bool(cfg.pop('by_epoch', True))
        elif loop_type in EPOCH_LOOPS or loop_type in ITER_LOOPS:
            by_epoch = loop_type in EPOCH_LOOPS
        else:
            raise ValueError(f'train_cfg.type={loop_type!r} is not supported; use '
                             "'EpochBasedTrainLoop' or 'IterBasedTrainLoop'")
        length_key = 'max_epochs' if by_epoch else 'max_iters'
        if not isinstance(cfg.get(length_key), int) or cfg[length_key] < 1:
            raise ValueError(f'train_cfg.{length_key} must be a positive int for '
                             f'{"epoch" if by_epoch else "iteration"}-based training, '
                             f'got {cfg.get(length_key)!r}')
        intervals = [tuple(item) for item in cfg.get('dynamic_intervals') or []]
        spec = cls(by_epoch=by_epoch, max_epochs=cfg.get('max_epochs') if by_epoch else None,
                   max_iters=None if by_epoch else cfg['max_iters'],
                   val_begin=cfg.get('val_begin', 1), val_interval=cfg.get('val_interval', 1),
                   dynamic_intervals=sorted(intervals))  # type: ignore[arg-type]
        if spec.val_interval < 1 or any(interval < 1 for _, interval in spec.dynamic_intervals):
            raise ValueError(f'train_cfg.val_interval must be >= 1, got {spec.val_interval}')
        return spec

    def interval_at(self, progress: int) -> int:
        """The validation interval in effect at ``progress`` (epoch or iteration)."""
        milestones = [milestone for milestone, _ in self.dynamic_intervals]
        index = bisect.bisect(milestones, progress)
        return self.val_interval if index == 0 else self.dynamic_intervals[index - 1][1]

    def should_validate(self, progress: int) -> bool:
        """Whether MMEngine validates after ``progress`` epochs (or iterations) are done.

        MMEngine validates when ``progress >= val_begin`` and it is a multiple
        of the interval, and always after the last epoch (or iteration). The
        interval comes from ``dynamic_intervals`` at ``progress + 1``, as in
        MMEngine's ``_decide_current_val_interval``.
        """
        end = self.max_epochs if self.by_epoch else self.max_iters
        if progress < self.val_begin:
            return False
        return progress % self.interval_at(progress + 1) == 0 or progress == end


def as_list(schedulers: Any) -> list[Any]:
    """A scheduler config or list of them, as a list."""
    if schedulers is None:
        return []
    return list(schedulers) if isinstance(schedulers, Sequence) and \
        not isinstance(schedulers, (str, Mapping)) else [schedulers]
