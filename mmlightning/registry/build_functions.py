"""Build functions: turn a ``dict(type=..., **kwargs)`` config into an object."""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlightning.utils.errors import ReadableKeyError, add_note
from mmlightning.utils.manager import ManagerMixin
from mmlightning.utils.suggestions import did_you_mean

from .key_paths import key_path_of

if TYPE_CHECKING:
    from .registry import Registry


def _key_path(cfg: Any) -> str | None:
    """Where ``cfg`` sits in its config (``'train_dataloader.dataset'``,
    ``'param_scheduler[1]'``): a ``ConfigDict``'s place or a :func:`located` name."""
    return key_path_of(cfg)


def _describe(path: str | None, type_name: str) -> str:
    return f'while building {path} (type={type_name!r})' if path else \
        f'while building type={type_name!r}'


def _type_name(obj_type: Any) -> str:
    return obj_type if isinstance(obj_type, str) else getattr(obj_type, '__name__', repr(obj_type))


def _resolve_type(obj_type: Any, registry: Registry, path: str | None) -> Any:
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            _, name = registry.split_scope_key(obj_type)
            raise ReadableKeyError(
                f'{obj_type} is not in the {registry.scope}::{registry.name} registry '
                f'({_describe(path, obj_type)}).{did_you_mean(name, _names_in_tree(registry))} '
                'Check the spelling, set the right default_scope or _scope_, or import the '
                'module that registers it (custom_imports=dict(imports=[...])).')
        return obj_cls
    if callable(obj_type):
        return obj_type
    raise TypeError(f'type must be a str or valid type, but got {type(obj_type)} '
                    f'({obj_type!r}{" at " + path if path else ""}): give a registered name '
                    'or a class/function')


def _names_in_tree(registry: Registry) -> list[str]:
    """Names visible from ``registry``: its own and its ancestors'."""
    names: list[str] = []
    node: Registry | None = registry
    while node is not None:
        names.extend(node.module_dict)
        node = node.parent
    return names


def _explain_bad_arguments(obj_cls: Any, args: dict[str, Any], path: str | None) -> str | None:
    """Why ``obj_cls(**args)`` cannot bind, or ``None`` when the arguments fit."""
    try:
        signature = inspect.signature(obj_cls)
    except (TypeError, ValueError):
        return None
    params = [name for name, p in signature.parameters.items()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    unknown = [] if takes_any else [key for key in args if key not in signature.parameters]
    if unknown:
        reason = 'unexpected argument(s) ' + ', '.join(repr(key) for key in unknown)
    else:
        try:
            signature.bind(**args)
            return None
        except TypeError as error:
            reason = str(error)
    hint = ''.join(did_you_mean(key, params) for key in unknown)
    name = getattr(obj_cls, '__name__', repr(obj_cls))
    return (f'{name} rejects the arguments {_describe(path, name)}: {reason}. '
            f'Valid parameters: {", ".join(params) or "(none)"}.{hint}')


def _instantiate(obj_cls: Any, args: dict[str, Any], path: str | None) -> Any:
    try:
        if inspect.isclass(obj_cls) and (issubclass(obj_cls, ManagerMixin) or (
                hasattr(obj_cls, '_instance_dict') and hasattr(obj_cls, 'get_instance'))):
            return obj_cls.get_instance(**args)  # ours or MMEngine's ManagerMixin
        return obj_cls(**args)
    except TypeError as error:
        explanation = _explain_bad_arguments(obj_cls, args, path)
        if explanation is not None:
            raise TypeError(explanation) from error
        add_note(error, _describe(path, _type_name(obj_cls)))
        raise
    except Exception as error:
        add_note(error, _describe(path, _type_name(obj_cls)))
        raise


def build_from_cfg(cfg: Mapping[str, Any], registry: Registry,
                   default_args: Mapping[str, Any] | None = None) -> Any:
    """Build an object from a config dict, or call a function registered as ``type``.

    Keys of ``default_args`` fill keys missing from ``cfg``. ``type`` is a
    registered name (``'ResNet'``, ``'scope.ResNet'``), a dotted import path
    or a callable. ``_scope_`` builds with that scope's registry. Nested
    dicts are passed through unbuilt, as in MMEngine.

    Args:
        cfg: The config; must contain ``type`` unless ``default_args`` does.
        registry: Where to look up ``type``.
        default_args: Arguments that fill keys missing from ``cfg``.

    Returns:
        The built object (or the function's return value).

    Raises:
        KeyError: If ``type`` is missing or not registered (with close matches).
        TypeError: If the arguments do not fit the constructor (with valid names).
    """
    cfg, default_args = _unwrap(cfg), _unwrap(default_args)
    _check_build_arguments(cfg, registry, default_args)
    args = {key: cfg[key] for key in cfg}
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    return _build(args, registry, _key_path(cfg))


def _unwrap(cfg: Any) -> Any:
    from mmlightning.config import Config

    return cfg._cfg_dict if isinstance(cfg, Config) else cfg


def _require_type(args: dict[str, Any], registry: Registry, path: str | None) -> None:
    if 'type' not in args:
        raise ReadableKeyError(
            f'`cfg` or `default_args` must contain the key "type": the config '
            f'{("at " + path + " ") if path else ""}has none (got keys {sorted(args)}); '
            f'add type=... naming a registered {registry.name} type')


def _build(args: dict[str, Any], registry: Registry, path: str | None) -> Any:
    """Build from ``args`` (defaults merged in) found at ``path`` of the config."""
    _require_type(args, registry, path)
    scope = _checked_scope(args.pop('_scope_', None), registry, path)
    with registry.switch_scope_and_registry(scope) as scoped_registry:
        obj_cls = _resolve_type(args.pop('type'), scoped_registry, path)
        return _instantiate(obj_cls, args, path)


def _check_build_arguments(cfg: Any, registry: Any, default_args: Any) -> None:
    from .registry import Registry

    if not isinstance(cfg, Mapping):
        raise TypeError(f'cfg should be a dict, ConfigDict or Config, but got {type(cfg)}')
    if not isinstance(registry, Registry):
        raise TypeError('registry must be a mmlightning.Registry object, but got '
                        f'{type(registry)}')
    if default_args is not None and not isinstance(default_args, Mapping):
        raise TypeError('default_args should be a dict, ConfigDict, Config or None, '
                        f'but got {type(default_args)}')


def _checked_scope(scope: Any, registry: Registry, path: str | None) -> str | None:
    """``_scope_`` of a config, refused when no registry of that scope exists."""
    if scope is not None and not registry.has_scope(scope):
        raise ReadableKeyError(registry.unknown_scope_message(scope)
                               + (f' (_scope_ of {path})' if path else ''))
    return scope


def build_model_from_cfg(cfg: Any, registry: Registry,
                         default_args: Mapping[str, Any] | None = None) -> Any:
    """Build a model; a list of configs builds a ``Sequential`` of them (MMEngine rule)."""
    if isinstance(cfg, list):
        from torch.nn import Sequential

        return Sequential(*(build_from_cfg(item, registry, default_args) for item in cfg))
    return build_from_cfg(cfg, registry, default_args)


def build_scheduler_from_cfg(cfg: Mapping[str, Any], registry: Registry,
                             default_args: Mapping[str, Any] | None = None) -> Any:
    """Build a parameter scheduler, honouring ``convert_to_iter_based``.

    With ``convert_to_iter_based=True`` the scheduler class's
    ``build_iter_from_epoch`` is called and ``default_args`` must supply
    ``epoch_length`` (the number of iterations in an epoch).

    Raises:
        ValueError: If ``convert_to_iter_based`` is set without an epoch length
            or on a scheduler that is not ``by_epoch``.
    """
    cfg, default_args = _unwrap(cfg), _unwrap(default_args)
    _check_build_arguments(cfg, registry, default_args)
    args = {key: cfg[key] for key in cfg}
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    path = _key_path(cfg)
    if not args.pop('convert_to_iter_based', False):
        args.pop('epoch_length', None)
        return _build(args, registry, path)
    where = path or 'param_scheduler'
    if 'epoch_length' not in args:
        raise ValueError(
            f'{where}: convert_to_iter_based=True needs the epoch length '
            '(pass default_args=dict(epoch_length=len(train_dataloader))).')
    if not args.get('by_epoch', True):
        raise ValueError(f'{where}: convert_to_iter_based=True only applies to by_epoch=True '
                         'schedulers; remove one of the two.')
    _require_type(args, registry, path)
    scope = _checked_scope(args.pop('_scope_', None), registry, path)
    with registry.switch_scope_and_registry(scope) as scoped_registry:
        obj_cls = _resolve_type(args.pop('type'), scoped_registry, path)
        try:
            return obj_cls.build_iter_from_epoch(**args)
        except Exception as error:
            add_note(error, _describe(path, _type_name(obj_cls)))
            raise


def build_runner_from_cfg(cfg: Mapping[str, Any], registry: Registry) -> Any:
    """Build a runner through its ``from_cfg``; ``runner_type`` picks the class."""
    runner_type = cfg.get('runner_type', 'Runner')
    runner_cls = _resolve_type(runner_type, registry, _key_path(cfg))
    return runner_cls.from_cfg(cfg)
