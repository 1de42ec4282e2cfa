"""Build functions: turn a ``dict(type=..., **kwargs)`` config into an object."""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mmlightning.utils.errors import ReadableKeyError, add_note
from mmlightning.utils.manager import ManagerMixin
from mmlightning.utils.suggestions import did_you_mean

if TYPE_CHECKING:
    from .registry import Registry


def _key_path(cfg: Any) -> str | None:
    """Dotted path of ``cfg`` in its config (``'train_dataloader.dataset'``), if known."""
    return getattr(cfg, 'key_path', None) or None


def _describe(cfg: Any, type_name: str) -> str:
    path = _key_path(cfg)
    return f'while building {path} (type={type_name!r})' if path else \
        f'while building type={type_name!r}'


def _type_name(obj_type: Any) -> str:
    return obj_type if isinstance(obj_type, str) else getattr(obj_type, '__name__', repr(obj_type))


def _resolve_type(obj_type: Any, registry: Registry, cfg: Any) -> Any:
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            _, name = registry.split_scope_key(obj_type)
            raise ReadableKeyError(
                f'{obj_type!r} is not in the {registry.scope}::{registry.name} registry '
                f'({_describe(cfg, obj_type)}).{did_you_mean(name, _names_in_tree(registry))} '
                'Check the spelling, set the right default_scope or _scope_, or import the '
                'module that registers it (custom_imports=dict(imports=[...])).')
        return obj_cls
    if callable(obj_type):
        return obj_type
    path = _key_path(cfg)
    raise TypeError(f'type must be a str or a callable, got {obj_type!r} '
                    f'({type(obj_type).__name__}){" at " + path if path else ""}')


def _names_in_tree(registry: Registry) -> list[str]:
    """Names visible from ``registry``: its own and its ancestors'."""
    names: list[str] = []
    node: Registry | None = registry
    while node is not None:
        names.extend(node.module_dict)
        node = node.parent
    return names


def _explain_bad_arguments(obj_cls: Any, args: dict[str, Any], cfg: Any) -> str | None:
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
    return (f'{name} rejects the arguments {_describe(cfg, name)}: {reason}. '
            f'Valid parameters: {", ".join(params) or "(none)"}.{hint}')


def _instantiate(obj_cls: Any, args: dict[str, Any], cfg: Any) -> Any:
    try:
        if inspect.isclass(obj_cls) and (issubclass(obj_cls, ManagerMixin) or (
                hasattr(obj_cls, '_instance_dict') and hasattr(obj_cls, 'get_instance'))):
            return obj_cls.get_instance(**args)  # ours or MMEngine's ManagerMixin
        return obj_cls(**args)
    except TypeError as error:
        explanation = _explain_bad_arguments(obj_cls, args, cfg)
        if explanation is not None:
            raise TypeError(explanation) from error
        add_note(error, _describe(cfg, _type_name(obj_cls)))
        raise
    except Exception as error:
        add_note(error, _describe(cfg, _type_name(obj_cls)))
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
    from mmlightning.config import Config

    from .registry import Registry

    if isinstance(cfg, Config):
        cfg = cfg._cfg_dict
    if not isinstance(cfg, Mapping):
        raise TypeError(f'cfg must be a dict, ConfigDict or Config, got {type(cfg).__name__}')
    if not isinstance(registry, Registry):
        raise TypeError(f'registry must be a Registry, got {type(registry).__name__}')
    if default_args is not None and not isinstance(default_args, Mapping):
        raise TypeError('default_args must be a dict, ConfigDict, Config or None, '
                        f'got {type(default_args).__name__}')
    if 'type' not in cfg and (default_args is None or 'type' not in default_args):
        path = _key_path(cfg)
        raise ReadableKeyError(
            f'the config {("at " + path + " ") if path else ""}has no "type" key '
            f'(got keys {sorted(cfg)}); add type=... naming a registered '
            f'{registry.name} type')
    args = {key: cfg[key] for key in cfg}
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    scope = args.pop('_scope_', None)
    with registry.switch_scope_and_registry(scope) as scoped_registry:
        obj_type = args.pop('type')
        obj_cls = _resolve_type(obj_type, scoped_registry, cfg)
        return _instantiate(obj_cls, args, cfg)


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
    args = {key: cfg[key] for key in cfg}
    defaults = dict(default_args or {})
    if not args.pop('convert_to_iter_based', False):
        defaults.pop('epoch_length', None)
        return build_from_cfg(args, registry, defaults)
    path = _key_path(cfg) or 'param_scheduler'
    if 'epoch_length' not in defaults:
        raise ValueError(
            f'{path}: convert_to_iter_based=True needs the epoch length '
            '(pass default_args=dict(epoch_length=len(train_dataloader))).')
    if not args.get('by_epoch', True):
        raise ValueError(f'{path}: convert_to_iter_based=True only applies to by_epoch=True '
                         'schedulers; remove one of the two.')
    for key, value in defaults.items():
        args.setdefault(key, value)
    scope = args.pop('_scope_', None)
    with registry.switch_scope_and_registry(scope) as scoped_registry:
        obj_cls = _resolve_type(args.pop('type'), scoped_registry, cfg)
        return obj_cls.build_iter_from_epoch(**args)


def build_runner_from_cfg(cfg: Mapping[str, Any], registry: Registry) -> Any:
    """Build a runner through its ``from_cfg``; ``runner_type`` picks the class."""
    runner_type = cfg.get('runner_type', 'Runner')
    runner_cls = _resolve_type(runner_type, registry, cfg)
    return runner_cls.from_cfg(cfg)
