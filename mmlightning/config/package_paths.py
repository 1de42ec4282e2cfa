"""``pkg::path/to/cfg.py`` bases: configs shipped inside installed packages.

Resolved with :mod:`importlib` (never ``pkg_resources``): the package's
``.mim/model-index.yml`` names experiment configs, ``.mim/configs/`` (or
``configs/`` beside the package) holds the rest.
"""
from __future__ import annotations

import importlib.util
import os.path as osp

import yaml

from .errors import ConfigParsingError

# OpenMMLab scopes whose pip distribution name differs from the import name.
MODULE2PACKAGE = {
    'mmcls': 'mmcls', 'mmdet': 'mmdet', 'mmdet3d': 'mmdet3d', 'mmseg': 'mmsegmentation',
    'mmaction': 'mmaction2', 'mmtrack': 'mmtrack', 'mmpose': 'mmpose', 'mmedit': 'mmedit',
    'mmocr': 'mmocr', 'mmgen': 'mmgen', 'mmfewshot': 'mmfewshot', 'mmrazor': 'mmrazor',
    'mmflow': 'mmflow', 'mmhuman3d': 'mmhuman3d', 'mmrotate': 'mmrotate',
    'mmselfsup': 'mmselfsup', 'mmyolo': 'mmyolo', 'mmpretrain': 'mmpretrain',
    'mmagic': 'mmagic',
}


def package_dir(package: str) -> str | None:
    """Directory of an importable package, or ``None`` when not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def _from_model_index(root: str, cfg_path: str) -> str | None:
    index_file = osp.join(root, '.mim', 'model-index.yml')
    if not osp.isfile(index_file):
        return None
    with open(index_file, encoding='utf-8') as f:
        index = yaml.safe_load(f) or {}
    wanted = osp.splitext(cfg_path)[0]
    for meta in index.get('Import', []):
        with open(osp.join(root, '.mim', meta), encoding='utf-8') as f:
            models = (yaml.safe_load(f) or {}).get('Models', [])
        for model in models:
            if model.get('Name') == osp.basename(wanted) or \
                    osp.splitext(model.get('Config', ''))[0].endswith(wanted):
                return osp.join(root, '.mim', model['Config'])
    return None


def resolve_package_config(reference: str, referenced_by: str) -> tuple[str, str]:
    """Path of the config named by ``'pkg::path/cfg.py'``, and the scope (``'pkg'``).

    Raises:
        ConfigParsingError: If the package is not installed or ships no such config.
    """
    scope, _, cfg_path = reference.partition('::')
    root = package_dir(scope)
    if root is None:
        raise ConfigParsingError(
            f"base config '{reference}' (in {referenced_by}) needs the package '{scope}', "
            f'which is not installed; pip install {MODULE2PACKAGE.get(scope, scope)}')
    candidates = [osp.join(root, '.mim', 'configs', cfg_path),
                  osp.join(root, 'configs', cfg_path),
                  osp.join(osp.dirname(root), 'configs', cfg_path)]
    indexed = _from_model_index(root, cfg_path)
    for candidate in ([indexed] if indexed else []) + candidates:
        if osp.isfile(candidate):
            return candidate, scope
    raise ConfigParsingError(
        f"base config '{reference}' (in {referenced_by}) is not shipped by '{scope}': "
        f"tried {', '.join(candidates)}")
