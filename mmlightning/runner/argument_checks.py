"""MMEngine's checks of the Runner's arguments, with errors that say what to change."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import RunnerArgumentError, RunnerKeyError


def check_stage_arguments(args: Mapping[str, Any]) -> None:
    """MMEngine's checks: the arguments of a stage are all given or all None.

    Raises:
        ValueError: If a stage is given in part, or ``param_scheduler`` without
            ``optim_wrapper``.
    """
    for stage, names in (('train', ('train_dataloader', 'train_cfg', 'optim_wrapper')),
                         ('val', ('val_dataloader', 'val_cfg', 'val_evaluator')),
                         ('test', ('test_dataloader', 'test_cfg', 'test_evaluator'))):
        given = [args.get(name) is not None for name in names]
        if any(given) and not all(given):
            values = ', '.join(f'{name}={args.get(name)!r}' for name in names)
            missing = [name for name, ok in zip(names, given) if not ok]
            raise ValueError(f'{names[0]}, {names[1]}, and {names[2]} should be either all None '
                             f'or not None, but got {values}. Set {", ".join(missing)} to run '
                             f'{stage}, or remove the others.')
    if args.get('param_scheduler') is not None and args.get('optim_wrapper') is None:
        raise ValueError(f'param_scheduler should be None when optim_wrapper is None, but got '
                         f'{args["param_scheduler"]!r}')


def check_scheduler_cfg(param_scheduler: Any) -> None:
    """MMEngine's ``_check_scheduler_cfg``: the shapes ``param_scheduler`` may take.

    A scheduler or a list of them; a list of configs (each with ``type``); one
    config (with ``type``); or a dict mapping each optimizer's name to any of
    those.

    Raises:
        RunnerKeyError: If a config in a list has no ``type`` (also an ``AssertionError``).
        RunnerArgumentError: If a value of a per-optimizer dict is of another kind (a
            ``TypeError`` and an ``AssertionError``).
        TypeError: If ``param_scheduler`` is of another kind.
    """
    from mmlightning.optim.scheduler import _ParamScheduler

    if param_scheduler is None or isinstance(param_scheduler, _ParamScheduler):
        return
    if isinstance(param_scheduler, (list, tuple)) and all(
            isinstance(item, _ParamScheduler) for item in param_scheduler):
        return
    if isinstance(param_scheduler, (list, tuple)) and all(
            isinstance(item, Mapping) for item in param_scheduler):
        for index, item in enumerate(param_scheduler):
            if 'type' not in item:
                raise RunnerKeyError(f'Each parameter scheduler should contain the key type, but '
                                     f'got {dict(item)} (param_scheduler[{index}])')
        return
    if isinstance(param_scheduler, Mapping):
        if 'type' not in param_scheduler:
            for key, value in param_scheduler.items():
                if not isinstance(value, (Mapping, tuple, list, _ParamScheduler)):
                    raise RunnerArgumentError(
                        'Each value of `param_scheduler` should be a dict or a list, but got '
                        f'{value!r} with type {type(value).__name__} (param_scheduler.{key}); '
                        'give each optimizer a scheduler config, a list of them or schedulers')
        return
    raise TypeError('`param_scheduler` should be a `_ParamScheduler`, `dict`, list or a tuple, '
                    f'but got {type(param_scheduler).__name__}. If `param_scheduler` is a list of '
                    'dict, it means a list of scheduler configs for single optimizer. If it is a '
                    'dict and contains key `type`, it means a scheduler config for a single '
                    'optimizer. If it does not contain key `type`, it means multiple lists of '
                    'schedulers for multiple optimizers.')
