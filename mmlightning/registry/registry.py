"""``Registry``: a named map from type names to classes and functions."""
from __future__ import annotations

import importlib
import inspect
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from mmlightning.utils.errors import ReadableKeyError

from .default_scope import DefaultScope
from .errors import RegistryArgumentError

_LOGGER = logging.getLogger('mmlightning')


def _infer_scope(depth: int = 2) -> str:
    """Top-level package of the module that created the registry (``depth`` frames up)."""
    module = inspect.getmodule(sys._getframe(depth))
    if module is None or not module.__name__ or module.__name__ == '__main__':
        return 'mmlightning'
    return module.__name__.split('.')[0]


def _import_object(dotted: str) -> Any | None:
    """Import ``'pkg.module.Name'`` and return the object, or ``None``."""
    module_name, _, attr = dotted.rpartition('.')
    while module_name:
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            module_name, _, head = module_name.rpartition('.')
            attr = f'{head}.{attr}'
            continue
        for part in attr.split('.'):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj
    return None


class Registry:
    """Maps names to classes or functions so configs can refer to them by ``type``.

    Registries form trees: a child (``parent=...``) with its own ``scope``
    finds unscoped names in its ancestors, and ``'scope.Name'`` reaches a
    sibling registry of that scope.

    Args:
        name: What the registry holds, e.g. ``'model'``.
        build_func: Builds an object from a config; defaults to the parent's
            build function, else :func:`build_from_cfg`.
        parent: Parent registry.
        scope: Scope (package) name; inferred from the calling module's
            top-level package when omitted.
        locations: Modules imported on first lookup, so that their
            ``register_module`` calls run lazily.

    Example::

        >>> MODELS = Registry('model')
        >>> @MODELS.register_module()
        ... class ResNet:
        ...     def __init__(self, depth):
        ...         self.depth = depth
        >>> MODELS.build(dict(type='ResNet', depth=50)).depth
        50
    """

    def __init__(self,
                 name: str,
                 build_func: Callable[..., Any] | None = None,
                 parent: Registry | None = None,
                 scope: str | None = None,
                 locations: Sequence[str] | None = None) -> None:
        from .build_functions import build_from_cfg

        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._locations = list(locations or [])
        self._imported = False
        if scope is not None and not isinstance(scope, str):
            raise RegistryArgumentError(f'scope must be None or a str, got {scope!r}')
        self._scope = scope if scope is not None else _infer_scope()
        self.parent: Registry | None = None
        if parent is not None:
            if not isinstance(parent, Registry):
                raise RegistryArgumentError(
                    f'parent must be None or a Registry, got {parent!r} '
                    f'({type(parent).__name__})')
            parent._add_child(self)
            self.parent = parent
        if build_func is None:
            build_func = self.parent.build_func if self.parent is not None else build_from_cfg
        self.build_func: Callable[..., Any] = build_func

    # ----------------------------------------------------------------- info
    @property
    def name(self) -> str:
        """What the registry holds."""
        return self._name

    @property
    def scope(self) -> str:
        """The scope (package) this registry belongs to."""
        return self._scope

    @property
    def module_dict(self) -> dict[str, Any]:
        """The registered objects, by name (lazy locations imported first)."""
        self.import_from_location()
        return self._module_dict

    @property
    def children(self) -> dict[str, Registry]:
        """Child registries, by scope."""
        return self._children

    @property
    def root(self) -> Registry:
        """The root of this registry's tree."""
        return self._get_root_registry()

    def _get_root_registry(self) -> Registry:
        """The root of this registry's tree (MMEngine's private name for :attr:`root`)."""
        registry = self
        while registry.parent is not None:
            registry = registry.parent
        return registry

    def __len__(self) -> int:
        return len(self.module_dict)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.module_dict)

    def __repr__(self) -> str:
        """A table of the registered names and objects, headed ``Registry of <name>``."""
        rows = [(name, repr(obj)) for name, obj in sorted(self.module_dict.items())]
        width = max([len('Names'), *(len(name) for name, _ in rows)])
        lines = [f'Registry of {self._name} (scope {self._scope!r}, {len(rows)} items)',
                 f'  {"Names".ljust(width)}  Objects']
        lines += [f'  {name.ljust(width)}  {obj}' for name, obj in rows]
        return '\n'.join(lines)

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """Split ``'scope.Name'`` into ``('scope', 'Name')``; no dot gives ``(None, key)``."""
        scope, dot, name = key.partition('.')
        return (scope, name) if dot else (None, key)

    # ------------------------------------------------------------- lookups
    def import_from_location(self) -> None:
        """Import the modules listed in ``locations`` (once)."""
        if self._imported:
            return
        self._imported = True
        for location in self._locations:
            importlib.import_module(location)

    def get(self, key: str) -> Any | None:
        """Return the object registered as ``key``, or ``None``.

        ``'Name'`` is searched here, then in each ancestor. ``'scope.Name'``
        is searched in the registry of that scope (this one, a child, or one
        found from the root after importing ``<scope>.registry``). A dotted
        import path such as ``'torch.nn.Linear'`` is imported as a last resort.
        """
        if not isinstance(key, str):
            raise TypeError(f'Registry.get takes a str key, got {type(key).__name__}')
        scope, name = self.split_scope_key(key)
        if scope is None or scope == self._scope:
            registry: Registry | None = self
            while registry is not None:
                registry.import_from_location()
                if name in registry._module_dict:
                    return registry._module_dict[name]
                if scope is not None:
                    break
                registry = registry.parent
        else:
            target = self._find_scope(scope)
            if target is not None:
                return target.get(name)
        if '.' in key:
            return _import_object(key)
        return None

    def _find_scope(self, scope: str) -> Any | None:
        """The registry of ``scope``: among this one's children, in the whole tree, or (an
        OpenMMLab package) in MMEngine's tree; see :mod:`mmlightning.registry.openmmlab`."""
        if scope in self._children:
            return self._children[scope]
        found = self.root._search_child(scope)
        if found is None:
            try:
                importlib.import_module(f'{scope}.registry')
            except ImportError:
                pass
            found = self.root._search_child(scope)
        if found is None:
            from .openmmlab import PackageRegistry, mmengine_registry

            package = mmengine_registry(self._name, scope)
            found = None if package is None else PackageRegistry(package, self)
        return found

    def _search_child(self, scope: str) -> Registry | None:
        """Depth-first search of this subtree for the registry of ``scope``."""
        if self._scope == scope:
            return self
        for child in self._children.values():
            found = child._search_child(scope)
            if found is not None:
                return found
        return None

    @contextmanager
    def switch_scope_and_registry(self, scope: str | None) -> Iterator[Registry]:
        """Make ``scope`` the default scope and yield its registry.

        With ``scope=None`` the current :class:`DefaultScope` (if any) picks
        the registry. A scope with no registry in this tree (even after
        importing ``<scope>.registry``) yields this registry, with a warning
        when the scope was given explicitly, as in MMEngine.
        :func:`~mmlightning.registry.build_from_cfg` refuses an unknown
        ``_scope_`` before it gets here (:meth:`has_scope`).
        """
        with DefaultScope.overwrite_default_scope(scope):
            current = DefaultScope.get_current_instance()
            if current is None or current.scope_name == self._scope:
                yield self
                return
            registry = self._find_scope(current.scope_name)
            if registry is None:
                if scope is not None:
                    _LOGGER.warning(self.unknown_scope_message(scope)
                                    + f' Building from the {self._scope}::{self._name} '
                                    'registry instead.')
                yield self
                return
            if isinstance(registry, Registry):
                yield registry
                return
            from .openmmlab import mmengine_scope

            with mmengine_scope(current.scope_name):  # MMEngine code inside builds there too
                yield registry

    def has_scope(self, scope: str) -> bool:
        """Whether ``scope`` names this registry or one reachable from its tree."""
        return scope == self._scope or self._find_scope(scope) is not None

    def unknown_scope_message(self, scope: str) -> str:
        """What to do about a scope with no registry in this tree."""
        return (f"scope '{scope}' has no '{self._name}' registry in the "
                f"'{self.root.scope}' registry tree. Install and import the package "
                f"'{scope}' (it must define {scope}.registry with a child of "
                f"{self.root.scope}'s '{self._name}' registry), or fix the scope name.")

    def build(self, cfg: Any, *args: Any, **kwargs: Any) -> Any:
        """Build an object from ``cfg`` with this registry's ``build_func``."""
        return self.build_func(cfg, *args, **kwargs, registry=self)

    # --------------------------------------------------------- registering
    def _add_child(self, registry: Registry) -> None:
        if registry.scope in self._children:
            raise KeyError(f"scope '{registry.scope}' already has a child of the "
                           f"'{self._name}' registry")
        self._children[registry.scope] = registry

    def _register_module(self, module: Any, module_name: str | Sequence[str] | None,
                         force: bool) -> None:
        if not callable(module):
            raise TypeError(f'module must be Callable, but got {type(module)}: only callables '
                            'can be registered')
        names = [module.__name__] if module_name is None else (
            [module_name] if isinstance(module_name, str) else list(module_name))
        for name in names:
            existing = self._module_dict.get(name)
            if existing is not None and not force:
                raise ReadableKeyError(
                    f'{name} is already registered in {self._name} at '
                    f'{getattr(existing, "__module__", "?")} (scope {self._scope!r}); '
                    'pass force=True to replace it or register under another name')
            self._module_dict[name] = module

    def register_module(self, name: str | Sequence[str] | None = None, force: bool = False,
                        module: Any | None = None) -> Any:
        """Register a class or function, as a decorator or as a call.

        Args:
            name: Name or names (aliases) to register under; defaults to
                ``module.__name__``.
            force: Replace an object already registered under the same name.
            module: The object to register (call form). Omit it to get a
                decorator.

        Raises:
            KeyError: If the name is taken and ``force`` is False.
        """
        if not isinstance(force, bool):
            raise TypeError(f'force must be a boolean, but got {type(force)}')
        if not (name is None or isinstance(name, str)
                or (isinstance(name, Sequence) and all(isinstance(n, str) for n in name))):
            raise TypeError('name must be None, an instance of str, or a sequence of str, '
                            f'but got {type(name)} ({name!r})')
        if module is not None:
            self._register_module(module, name, force)
            return module

        def _register(obj: Any) -> Any:
            self._register_module(obj, name, force)
            return obj

        return _register
