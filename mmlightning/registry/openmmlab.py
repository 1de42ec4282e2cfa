"""The bridge to OpenMMLab packages: their registries hang under MMEngine's root registries.

A config that names such a package's scope (``default_scope='mmdet'``,
``_scope_='mmpretrain'``, ``type='mmdet.RetinaNet'``) resolves types in that
package's registries. The scope is named explicitly, so this is no silent
fallback: an unknown scope is still an error. ``mmengine`` is imported only
when a scope is not found in mmlightning's own registry tree.

mmlightning's registries stand where MMEngine's root registries stand: a name
the package does not register itself (``LoggerHook``, ``DefaultSampler``,
``MultiStepLR``, reached in MMEngine through the package registry's parent) is
mmlightning's, as it would be MMEngine's own under MMEngine's Runner.
"""
from __future__ import annotations

import importlib
from typing import Any


def mmengine_registry(name: str, scope: str) -> Any | None:
    """The registry called ``name`` of ``scope`` in MMEngine's registry tree, or ``None``.

    Args:
        name: The registry's name (``'model'``, ``'dataset'``...), the same in
            mmlightning and MMEngine.
        scope: The package's scope, e.g. ``'mmdet'``; ``<scope>.registry`` is
            imported to let it register its registries.
    """
    try:
        from mmengine.registry import Registry
        from mmengine.registry import root as mmengine_root
    except ImportError:
        return None
    roots = [value for value in vars(mmengine_root).values()
             if isinstance(value, Registry) and value.name == name]
    if not roots:
        return None
    found = roots[0]._search_child(scope)
    if found is None:
        try:
            importlib.import_module(f'{scope}.registry')
        except ImportError:
            return None
        found = roots[0]._search_child(scope)
    return found


class PackageRegistry:
    """An OpenMMLab package's MMEngine registry, with mmlightning's registry as its root.

    A name is looked up in the package's registry and its ancestors below
    MMEngine's root, then in ``fallback`` (mmlightning's registry of the same
    name), then in MMEngine's root (what mmlightning does not implement).

    Args:
        package: The package's MMEngine registry, e.g. mmpretrain's ``HOOKS``.
        fallback: mmlightning's registry that the build started from.
    """

    def __init__(self, package: Any, fallback: Any) -> None:
        self._package = package
        self._fallback = fallback

    @property
    def name(self) -> str:
        """What the registry holds."""
        return self._package.name

    @property
    def scope(self) -> str:
        """The package's scope."""
        return self._package.scope

    @property
    def module_dict(self) -> dict[str, Any]:
        """The objects the package registers here."""
        return self._package.module_dict

    @property
    def parent(self) -> Any:
        """mmlightning's registry, in place of MMEngine's root."""
        return self._fallback

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """Split ``'scope.Name'`` into ``('scope', 'Name')`` (MMEngine's rule)."""
        scope, dot, name = key.partition('.')
        return (scope, name) if dot else (None, key)

    def get(self, key: str) -> Any | None:
        """The package's own object called ``key``, else mmlightning's, else MMEngine's."""
        scope, name = self.split_scope_key(key)
        if scope is not None and scope != self.scope:
            return self._package.get(key)
        node = self._package
        while node.parent is not None:  # the package's registries, not MMEngine's root
            node.import_from_location()
            if name in node._module_dict:
                return node._module_dict[name]
            node = node.parent
        found = self._fallback.get(name)
        return found if found is not None else self._package.get(key)


def mmengine_scope(scope: str) -> Any:
    """Context making ``scope`` MMEngine's default scope too (for builds inside MMEngine code)."""
    from mmengine.registry import DefaultScope

    return DefaultScope.overwrite_default_scope(scope)
