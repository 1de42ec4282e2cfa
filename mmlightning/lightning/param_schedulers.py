"""MMEngine's parameter schedulers for one run: built when the epoch length is known,
stepped in MMEngine's order (per batch, per epoch before validation, with validation metrics).
"""
from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.optim.scheduler import _ParamScheduler
from mmlightning.registry import PARAM_SCHEDULERS
from mmlightning.registry.key_paths import key_path_of, located

from .train_loop_spec import as_list

Schedulers = list[_ParamScheduler] | dict[str, list[_ParamScheduler]]


class ParamSchedulers:
    """The ``param_scheduler`` of a config, built against an optim wrapper.

    Args:
        cfg: One scheduler config (or instance), a list of them, or for an
            ``OptimWrapperDict`` a dict of such lists keyed by optimizer name.
    """

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg
        self.schedulers: Schedulers | None = None

    def build(self, optim_wrapper: OptimWrapper, epoch_length: int, max_epochs: int | None,
              max_iters: int | None) -> Schedulers | None:
        """Build the schedulers (MMEngine's ``Runner.build_param_scheduler``).

        A missing ``end`` defaults to ``max_epochs`` (``by_epoch``) or
        ``max_iters``; ``convert_to_iter_based`` uses ``epoch_length``.
        """
        if self.cfg is None:
            return None
        if isinstance(optim_wrapper, OptimWrapperDict):
            per_name = isinstance(self.cfg, Mapping) and 'type' not in self.cfg
            self.schedulers = {
                name: self._build_list(self.cfg[name] if per_name else self.cfg, wrapper,
                                       epoch_length, max_epochs, max_iters,
                                       f'param_scheduler.{name}' if per_name else
                                       'param_scheduler')
                for name, wrapper in optim_wrapper.items()}
        else:
            self.schedulers = self._build_list(self.cfg, optim_wrapper, epoch_length,
                                               max_epochs, max_iters, 'param_scheduler')
        return self.schedulers

    @staticmethod
    def _build_list(cfgs: Any, optim_wrapper: OptimWrapper, epoch_length: int,
                    max_epochs: int | None, max_iters: int | None,
                    key_path: str) -> list[_ParamScheduler]:
        """Build one list of schedulers; errors name ``key_path[i]`` (``param_scheduler[1]``)."""
        built = []
        is_list = isinstance(cfgs, (list, tuple))
        for index, cfg in enumerate(as_list(cfgs)):
            if isinstance(cfg, _ParamScheduler):
                built.append(cfg)
                continue
            if not isinstance(cfg, Mapping):
                raise TypeError(f'param_scheduler entries must be dicts or schedulers, got {cfg!r}')
            path = key_path_of(cfg) or (f'{key_path}[{index}]' if is_list else key_path)
            cfg = copy.deepcopy(cfg)
            default_end = max_epochs if cfg.get('by_epoch', True) else max_iters
            if 'end' not in cfg and default_end is not None:
                cfg['end'] = default_end
            with located(cfg, path):
                built.append(PARAM_SCHEDULERS.build(
                    cfg, default_args=dict(optimizer=optim_wrapper, epoch_length=epoch_length)))
        return built

    def __iter__(self) -> Iterator[_ParamScheduler]:
        if self.schedulers is None:
            return iter(())
        if isinstance(self.schedulers, dict):
            return (s for group in self.schedulers.values() for s in group)
        return iter(self.schedulers)

    def step_iter(self) -> None:
        """After each training batch: step the iteration-based schedulers."""
        for scheduler in self:
            if not scheduler.by_epoch:
                scheduler.step()

    def step_epoch(self) -> None:
        """After each training epoch, before validation: step the epoch-based schedulers."""
        for scheduler in self:
            if scheduler.by_epoch:
                scheduler.step()

    def step_metrics(self, metrics: Mapping[str, Any]) -> None:
        """After validation: step the schedulers that need its metrics (ReduceOnPlateau)."""
        for scheduler in self:
            if scheduler.by_epoch and getattr(scheduler, 'need_val_args', False):
                scheduler.step(metrics)

    def state_dict(self) -> list[dict] | dict[str, list[dict]] | None:
        """States of the built schedulers, in the shape of :attr:`schedulers`."""
        if isinstance(self.schedulers, dict):
            return {name: [s.state_dict() for s in group]
                    for name, group in self.schedulers.items()}
        return None if self.schedulers is None else [s.state_dict() for s in self.schedulers]

    def load_state_dict(self, state: list[dict] | dict[str, list[dict]]) -> None:
        """Restore states saved by :meth:`state_dict` (the schedulers must be built)."""
        groups = self.schedulers if isinstance(self.schedulers, dict) else {'': self.schedulers}
        states = state if isinstance(state, dict) else {'': state}
        for name, group in groups.items():
            if group is None or len(group) != len(states.get(name, [])):
                raise ValueError(f'the checkpoint holds {len(states.get(name, []))} parameter '
                                 f'scheduler states for {name or "the optimizer"}, the config '
                                 f'builds {0 if group is None else len(group)}')
            for scheduler, scheduler_state in zip(group, states[name]):
                scheduler.load_state_dict(scheduler_state)
