"""Which loop classes of ``train_cfg``/``val_cfg``/``test_cfg`` run on which Lightning loop.

Lightning's loops iterate the data. A loop class can run on them when the
methods that iterate (``run``, ``run_epoch``, ``run_iter``) are MMEngine's own:
the built-in loops, and subclasses that only add attributes or constructor
arguments. A validation or test loop with its own ``run`` or ``run_iter`` is
run itself, in place of Lightning's evaluation loop; a train loop with its own
cannot replace Lightning's fit loop and is refused.

The built-in classes are recognised by name and module, so the loops of
``mmengine.runner`` (an OpenMMLab package's subclasses) count too, and this
module imports nothing above it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmlightning.registry import LOOPS

#: The modules that define the built-in loops: ours, and MMEngine's.
_BUILTIN_MODULES = ('mmlightning.runner.loops', 'mmengine.runner.loops')
#: The methods through which a loop iterates, by kind of loop.
_TRAIN_METHODS = ('run', 'run_epoch', 'run_iter')
_EVAL_METHODS = ('run', 'run_iter')
_DEFAULT_TYPES = dict(val='ValLoop', test='TestLoop')


def _is_builtin(cls: type, names: tuple[str, ...]) -> bool:
    return cls.__module__ in _BUILTIN_MODULES and cls.__name__ in names


def builtin_base(cls: type, names: tuple[str, ...]) -> type | None:
    """The first built-in class named in ``names`` in ``cls``'s MRO, or ``None``."""
    return next((base for base in cls.__mro__ if _is_builtin(base, names)), None)


def overridden_methods(cls: type, methods: tuple[str, ...]) -> list[str]:
    """The ``methods`` that ``cls`` defines (itself or a non-built-in base), not a built-in loop.

    The built-in loop classes, including their private bases in the same
    module, count as MMEngine's own.
    """
    overridden = []
    for method in methods:
        owner = next((base for base in cls.__mro__ if method in vars(base)), None)
        if owner is not None and owner.__module__ not in _BUILTIN_MODULES:
            overridden.append(method)
    return overridden


def resolve_loop_type(loop_type: Any, key: str) -> type:
    """The loop class ``loop_type`` names (looked up in ``LOOPS``), or ``loop_type`` itself.

    Args:
        loop_type: A registered name (``'ValLoop'``, ``'mmdet.TeacherStudentValLoop'``)
            or a class.
        key: Where the type was set (``'val_cfg'``), for the error message.

    Raises:
        KeyError: If the name is not registered (the registry's message, naming ``key``).
        TypeError: If it is neither a name nor a class.
    """
    from mmlightning.registry.build_functions import _resolve_type

    loop_cls = _resolve_type(loop_type, LOOPS, key)
    if not isinstance(loop_cls, type):
        raise TypeError(f'{key}.type must name a loop class, got {loop_cls!r}')
    return loop_cls


def eval_loop_class(cfg: Mapping[str, Any] | None, stage: str) -> type:
    """The class of ``val_cfg``/``test_cfg`` (``stage`` ``'val'``/``'test'``): its ``type``,
    by default ``ValLoop``/``TestLoop``."""
    loop_type = (cfg or {}).get('type', _DEFAULT_TYPES[stage])
    return resolve_loop_type(loop_type, f'{stage}_cfg')


def runs_itself(loop_cls: type) -> bool:
    """Whether a validation/test loop class iterates in its own way (its own ``run``/``run_iter``).

    Such a loop replaces Lightning's evaluation loop; any other runs on it.
    """
    return bool(overridden_methods(loop_cls, _EVAL_METHODS)) or \
        builtin_base(loop_cls, ('ValLoop', 'TestLoop')) is None


def check_train_loop_class(loop_cls: type, key: str = 'train_cfg') -> bool:
    """Whether a train loop class is epoch-based; refuse one Lightning's fit loop cannot run.

    Raises:
        TypeError: If the class is not an ``EpochBasedTrainLoop`` or
            ``IterBasedTrainLoop`` (sub)class, or overrides how it iterates.
    """
    name = f'{loop_cls.__module__}.{loop_cls.__qualname__}'
    base = builtin_base(loop_cls, ('EpochBasedTrainLoop', 'IterBasedTrainLoop'))
    overridden = overridden_methods(loop_cls, _TRAIN_METHODS)
    if base is None or overridden:
        what = (f'overrides {", ".join(overridden)}' if base is not None and overridden else
                'is not a subclass of EpochBasedTrainLoop or IterBasedTrainLoop')
        raise TypeError(
            f'{key}.type={loop_cls.__name__!r} ({name}) {what}: mmlightning trains with '
            "Lightning's fit loop, which cannot run a train loop's own run/run_epoch/run_iter. "
            'Subclass EpochBasedTrainLoop or IterBasedTrainLoop without overriding those '
            '(adding attributes and constructor arguments is fine), or move the extra steps '
            'into a hook (custom_hooks) or a Lightning callback (trainer=dict(callbacks=[...])).')
    return base.__name__ == 'EpochBasedTrainLoop'
