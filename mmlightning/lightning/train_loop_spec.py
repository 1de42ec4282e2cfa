"""MMEngine's ``train_cfg``: how long to train and when to validate, counted as MMEngine counts."""
from __future__ import annotations

import bisect
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mmlightning.utils.suggestions import did_you_mean

from .loop_classes import check_train_loop_class, resolve_loop_type

#: The built-in train loops' keys; a subclass's other constructor arguments go to ``loop_kwargs``.
_KNOWN_KEYS = {'type', 'by_epoch', 'max_epochs', 'max_iters', 'val_begin', 'val_interval',
               'dynamic_intervals'}
_DEFAULT_TYPES = {True: 'EpochBasedTrainLoop', False: 'IterBasedTrainLoop'}


@dataclass
class TrainLoopSpec:
    """The training schedule of a ``train_cfg``.

    Attributes:
        by_epoch: Epoch-based (``EpochBasedTrainLoop``) or iteration-based.
        max_epochs: Epochs to train (epoch-based).
        max_iters: Iterations (batches, whatever the accumulation or number of
            optimizers) to train (iteration-based).
        val_begin: First epoch (or iteration) after which validation may run.
        val_interval: Validate every this many epochs (or iterations); by
            default 1 (epoch-based) or 1000 (iteration-based), as in MMEngine.
        dynamic_intervals: ``[(milestone, interval), ...]``: from each
            milestone on, validate at the new interval.
        loop_cls: The loop class (``type``; by default from ``by_epoch``).
        loop_kwargs: The other constructor arguments of a loop subclass.
    """

    by_epoch: bool = True
    max_epochs: int | None = None
    max_iters: int | None = None
    val_begin: int = 1
    val_interval: int = 1
    dynamic_intervals: list[tuple[int, int]] = field(default_factory=list)
    loop_cls: type | None = None
    loop_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_cfg(cls, train_cfg: Mapping[str, Any]) -> TrainLoopSpec:
        """Read a ``train_cfg`` (``type=...`` or ``by_epoch=...`` form, as MMEngine accepts).

        ``type`` is looked up in ``LOOPS``: ``EpochBasedTrainLoop``,
        ``IterBasedTrainLoop``, or a subclass of one that does not override
        how it iterates (see :mod:`~mmlightning.lightning.loop_classes`); a
        subclass's own constructor arguments are kept in ``loop_kwargs``.

        Raises:
            ValueError: On a missing length, unknown keys or non-positive intervals.
            RuntimeError: If both ``type`` and ``by_epoch`` are set (MMEngine's error).
            KeyError: If ``type`` is not registered.
            TypeError: If the loop class cannot run on Lightning's fit loop, or
                its constructor does not take the arguments.
        """
        cfg = dict(train_cfg)
        loop_type = cfg.pop('type', None)
        if loop_type is not None and 'by_epoch' in cfg:
            raise RuntimeError('Only one of `type` or `by_epoch` can exist in `loop_cfg`: '
                               'train_cfg sets both; set only one')
        if loop_type is None:
            by_epoch = bool(cfg.pop('by_epoch', True))
            loop_type = _DEFAULT_TYPES[by_epoch]
        loop_cls = resolve_loop_type(loop_type, 'train_cfg')
        by_epoch = check_train_loop_class(loop_cls)
        length_key = 'max_epochs' if by_epoch else 'max_iters'
        if not isinstance(cfg.get(length_key), int) or cfg[length_key] < 1:
            raise ValueError(f'train_cfg.{length_key} must be a positive int for '
                             f'{"epoch" if by_epoch else "iteration"}-based training, '
                             f'got {cfg.get(length_key)!r}')
        extra = {key: cfg.pop(key) for key in list(cfg) if key not in _KNOWN_KEYS}
        _check_loop_arguments(loop_cls, by_epoch, cfg, extra)
        intervals = [tuple(item) for item in cfg.get('dynamic_intervals') or []]
        spec = cls(by_epoch=by_epoch, max_epochs=cfg.get('max_epochs') if by_epoch else None,
                   max_iters=None if by_epoch else cfg['max_iters'],
                   val_begin=cfg.get('val_begin', 1),
                   val_interval=cfg.get('val_interval', 1 if by_epoch else 1000),
                   dynamic_intervals=sorted(intervals),  # type: ignore[arg-type]
                   loop_cls=loop_cls, loop_kwargs=extra)
        if spec.val_interval < 1 or any(interval < 1 for _, interval in spec.dynamic_intervals):
            raise ValueError(f'train_cfg.val_interval must be >= 1, got {spec.val_interval}')
        return spec

    def loop_arguments(self) -> dict[str, Any]:
        """The constructor arguments of the loop class, less ``runner`` and ``dataloader``."""
        length = dict(max_epochs=self.max_epochs) if self.by_epoch else \
            dict(max_iters=self.max_iters)
        return dict(length, val_begin=self.val_begin, val_interval=self.val_interval,
                    dynamic_intervals=[list(pair) for pair in self.dynamic_intervals] or None,
                    **self.loop_kwargs)

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


def _check_loop_arguments(loop_cls: type, by_epoch: bool, known: Mapping[str, Any],
                          extra: Mapping[str, Any]) -> None:
    """Refuse ``train_cfg`` keys the loop class does not take (a typo, most likely).

    Raises:
        ValueError: On keys that neither the built-in loops nor ``loop_cls`` take.
    """
    try:
        parameters = inspect.signature(loop_cls).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    wrong_length = 'max_iters' if by_epoch else 'max_epochs'
    unknown = sorted(key for key in {*extra, *(k for k in known if k == wrong_length)}
                     if key not in parameters)
    if unknown:
        valid = [name for name in parameters if name not in ('runner', 'dataloader')]
        raise ValueError(f'train_cfg has unknown keys {unknown}: {loop_cls.__name__} takes '
                         f'{valid}.{"".join(did_you_mean(key, valid) for key in unknown)}')


def as_list(schedulers: Any) -> list[Any]:
    """A scheduler config or list of them, as a list."""
    if schedulers is None:
        return []
    return list(schedulers) if isinstance(schedulers, Sequence) and \
        not isinstance(schedulers, (str, Mapping)) else [schedulers]
