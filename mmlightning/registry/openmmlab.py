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

:func:`prepare_openmmlab` is what the Runner, ``MMLightningModule.from_cfg`` and
the CLI call first with a config: when it uses an OpenMMLab package and mmcv has
no compiled ``mmcv._ext`` (``mmcv-lite``), mmlightning's torch kernels are
installed in its place (:func:`mmlightning.ops.install`, which logs one line).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable, Mapping
from typing import Any

#: Top-level packages of the OpenMMLab family: their models and transforms import ``mmcv.ops``.
OPENMMLAB_PACKAGES = frozenset({
    'mmcv', 'mmdet', 'mmseg', 'mmpretrain', 'mmpose', 'mmyolo', 'mmocr', 'mmaction', 'mmagic',
    'mmdet3d', 'mmrotate', 'mmtrack', 'mmcls', 'mmselfsup', 'mmedit', 'mmfewshot', 'mmflow',
    'mmrazor', 'mmhuman3d', 'mmfashion', 'mmgen'})


def _scoped_names(value: Any) -> Iterable[str]:
    """The ``_scope_`` values and the ``'<scope>.'`` prefixes of ``type=`` strings in ``value``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == '_scope_' and isinstance(item, str):
                yield item
            elif key == 'type' and isinstance(item, str) and '.' in item:
                yield item.partition('.')[0]
            else:
                yield from _scoped_names(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _scoped_names(item)


def openmmlab_packages(cfg: Mapping[str, Any] | None, *scopes: str | None) -> list[str]:
    """The OpenMMLab packages that ``cfg`` (and the extra ``scopes``) use, sorted.

    A package is used when it is the ``default_scope``, the top level of a
    ``custom_imports`` module, a ``_scope_`` or the scope of a ``type='pkg.Name'``.
    """
    cfg = cfg if cfg is not None else {}
    names = {scope for scope in (cfg.get('default_scope'), *scopes) if isinstance(scope, str)}
    imports = (cfg.get('custom_imports') or {}).get('imports', [])
    names |= {name.split('.')[0] for name in ([imports] if isinstance(imports, str) else imports)
              if isinstance(name, str)}
    names |= set(_scoped_names(cfg))
    return sorted(names & OPENMMLAB_PACKAGES)


def share_runtime_info(hub: Any) -> Any | None:
    """Make MMEngine's current ``MessageHub`` read ``hub``'s runtime information.

    OpenMMLab code asks MMEngine's hub for the epoch and iteration
    (``mmengine.logging.MessageHub.get_current_instance().get_info('epoch')``:
    TOOD's head, YOLOX's ``BatchSyncRandomResize``...), which mmlightning's
    hooks record in mmlightning's hub. An MMEngine hub of the same name becomes
    current and holds the very same runtime-information dict, so it reads every
    update as it happens.

    Args:
        hub: mmlightning's ``MessageHub`` of the run.

    Returns:
        MMEngine's hub, or ``None`` when MMEngine is not installed.
    """
    try:
        from mmengine.logging import MessageHub
    except ImportError:
        return None
    mmengine_hub = MessageHub.get_instance(hub.instance_name)
    mmengine_hub._runtime_info = hub.runtime_info
    return mmengine_hub


def prepare_openmmlab(cfg: Mapping[str, Any] | None, *scopes: str | None) -> Any | None:
    """Give mmcv its kernels before a config that uses OpenMMLab packages is built.

    Nothing happens when the config uses no OpenMMLab package, when mmcv is not
    installed (the package's own import error then says what is missing) or when
    ``mmcv._ext`` is already importable (a compiled mmcv, or installed before).

    Args:
        cfg: The whole config (``default_scope``, ``custom_imports``, ``model``...).
        scopes: Scopes given besides the config (the Runner's ``default_scope``).

    Returns:
        The module ``import mmcv._ext`` gives, or ``None`` when nothing was needed.
    """
    if not openmmlab_packages(cfg, *scopes) or importlib.util.find_spec('mmcv') is None:
        return None
    if 'mmcv._ext' in sys.modules:
        return sys.modules['mmcv._ext']
    from mmlightning.ops import install

    return install()


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
