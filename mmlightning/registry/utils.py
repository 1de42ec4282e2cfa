"""Registry helpers: walking registry trees and counting what they hold (MMEngine's)."""
from __future__ import annotations

import datetime
import logging
import os.path as osp

from .registry import Registry

_LOGGER = logging.getLogger('mmlightning')

_PACKAGES = ('mmlightning.dataset', 'mmlightning.evaluator', 'mmlightning.hooks',
             'mmlightning.model', 'mmlightning.optim', 'mmlightning.runner',
             'mmlightning.visualization', 'mmlightning.registry.torch_modules')


def traverse_registry_tree(registry: Registry, verbose: bool = True) -> list[dict]:
    """Describe every registry of the tree ``registry`` belongs to, from its root.

    Args:
        registry: Any registry of the tree.
        verbose: Log one line per registry.

    Returns:
        One dict per registry, depth first: ``num_modules``, ``scope`` and, for
        each folder of the registered objects' modules (``'mmlightning/optim'``),
        the names registered from there.
    """
    found: list[dict] = []

    def visit(node: Registry) -> None:
        info: dict = dict(num_modules=len(node.module_dict), scope=node.scope)
        for name, obj in node.module_dict.items():
            folder = '/'.join(getattr(obj, '__module__', '').split('.')[:-1])
            info.setdefault(folder, []).append(name)
        if verbose:
            _LOGGER.info(f"Find {info['num_modules']} modules in {node.scope}'s "
                         f"'{node.name}' registry")
        found.append(info)
        for child in node.children.values():
            visit(child)

    visit(registry.root)
    return found


def count_registered_modules(save_path: str | None = None, verbose: bool = True) -> dict:
    """Import mmlightning's components and describe every root registry's tree.

    Args:
        save_path: Folder to write ``modules_statistic_results.json`` to.
        verbose: Log the results.

    Returns:
        ``dict(scan_date=..., registries={'MODELS': [...], ...})``, each list as
        :func:`traverse_registry_tree` returns it.
    """
    import importlib

    from . import root

    for package in _PACKAGES:
        importlib.import_module(package)
    registries = {name: traverse_registry_tree(value, verbose)
                  for name, value in sorted(vars(root).items())
                  if isinstance(value, Registry) and name != 'COLLATE_FUNCTIONS'}
    scan_data = dict(scan_date=datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S'),
                     registries=registries)
    if verbose:
        _LOGGER.info(f'Finish registry analysis, got: {scan_data}')
    if save_path is not None:
        from mmlightning.fileio import dump

        json_path = osp.join(save_path, 'modules_statistic_results.json')
        dump(scan_data, json_path, indent=2)
        if verbose:
            _LOGGER.info(f'Result has been saved to {json_path}')
    return scan_data
