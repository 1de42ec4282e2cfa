"""The bridge to OpenMMLab packages: their registries hang under MMEngine's root registries.

A config that names such a package's scope (``default_scope='mmdet'``,
``_scope_='mmpretrain'``, ``type='mmdet.RetinaNet'``) resolves types in that
package's registries. The scope is named explicitly, so this is no silent
fallback: an unknown scope is still an error. ``mmengine`` is imported only
when a scope is not found in mmlightning's own registry tree.
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


def mmengine_scope(scope: str) -> Any:
    """Context making ``scope`` MMEngine's default scope too (for builds inside MMEngine code)."""
    from mmengine.registry import DefaultScope

    return DefaultScope.overwrite_default_scope(scope)
