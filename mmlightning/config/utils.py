"""Helpers of ``mmengine.config.utils`` that downstream code and tests import.

``MODULE2PACKAGE`` maps OpenMMLab import names to pip distribution names; the
``_get_*`` functions locate configs shipped inside installed packages
(``pkg::path/cfg.py``); ``ImportTransformer`` and ``_gather_abs_import_lazyobj``
rewrite the imports of pure-Python configs.
"""
from __future__ import annotations

import os.path as osp
import re
import warnings

from .errors import ConfigParsingError
from .import_transformer import ImportTransformer, _gather_abs_import_lazyobj
from .package_paths import MODULE2PACKAGE

PKG2PROJECT = MODULE2PACKAGE  # MMEngine's deprecated alias

__all__ = ['MODULE2PACKAGE', 'PKG2PROJECT', 'ConfigParsingError', 'ImportTransformer',
           '_gather_abs_import_lazyobj']


def _get_cfg_metainfo(package_path: str, cfg_path: str) -> dict:
    """The ``Models`` entry of a package's ``.mim`` metafiles whose config is ``cfg_path``.

    Raises:
        ValueError: If no metafile lists that config (the message lists those that do).
    """
    import yaml

    with open(osp.join(package_path, '.mim', 'model-index.yml'), encoding='utf-8') as f:
        index = yaml.safe_load(f) or {}
    found: dict[str, dict] = {}
    for meta_path in index.get('Import', []):
        with open(osp.join(package_path, '.mim', meta_path), encoding='utf-8') as f:
            models = (yaml.safe_load(f) or {}).get('Models', [])
        for model in models:
            if 'Config' not in model:
                warnings.warn(f'There is not `Config` define in {model}', stacklevel=2)
                continue
            found.setdefault(model['Config'].partition('/')[-1], model)
    if cfg_path not in found:
        raise ValueError(f'Expected configs: {sorted(found)}, but got {cfg_path}')
    return found[cfg_path]


def _get_external_cfg_path(package_path: str, cfg_file: str) -> str:
    """Absolute path of an experiment config named in a package's model index."""
    model = _get_cfg_metainfo(package_path, cfg_file.split('.')[0])
    path = osp.join(package_path, model['Config'])
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {cfg_file} of {package_path} is indexed at {path}, '
                                'which does not exist')
    return path


def _get_external_cfg_base_path(package_path: str, cfg_name: str) -> str:
    """Absolute path of ``<package_path>/.mim/configs/<cfg_name>``.

    Raises:
        FileNotFoundError: If the package ships no such config.
    """
    path = osp.join(package_path, '.mim', 'configs', cfg_name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'file "{path}" does not exist: {package_path} ships no '
                                f'config {cfg_name} under .mim/configs')
    return path


def _get_package_and_cfg_path(cfg_path: str) -> tuple[str, str]:
    """Split ``'mmdet::path/cfg.py'`` into the pip package name and the config path.

    Unlike MMEngine, packages outside ``MODULE2PACKAGE`` are accepted (their
    import name is taken as the package name).

    Raises:
        ValueError: If ``cfg_path`` is not ``package::relative/path``.
    """
    if re.match(r'\w*::\w*/\w*', cfg_path) is None:
        raise ValueError(
            '`_get_package_and_cfg_path` is used for get external package, please specify '
            'the package name and relative config path, just like '
            f'`mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py` (got {cfg_path!r})')
    parts = cfg_path.split('::')
    if len(parts) > 2:
        raise ValueError('`::` should only be used to separate package and config name, but '
                         f'found multiple `::` in {cfg_path}')
    package, path = parts
    return MODULE2PACKAGE.get(package, package), path
