"""``get_config('mmdet::retinanet/retinanet_r50_fpn_1x_coco.py')`` and ``get_model(...)``.

Configs come from the ``.mim`` folder an OpenMMLab package installs (its
``model-index.yml`` and metafiles, or ``.mim/configs/<path>`` for base configs).
Nothing is downloaded or installed: a package that is not installed is an error
naming the ``pip install`` to run. Only ``get_model(..., pretrained=True)`` reads
the weights the metafile names, which may be a URL.
"""
from __future__ import annotations

import importlib
import os.path as osp
from typing import Any

from torch import nn

from mmlightning.config import Config
from mmlightning.config.utils import (
    _get_cfg_metainfo,
    _get_external_cfg_base_path,
    _get_package_and_cfg_path,
)
from mmlightning.model.checkpoint.loader import load_checkpoint
from mmlightning.registry import MODELS, DefaultScope
from mmlightning.utils import get_installed_path, is_installed


def _package_path(package: str, cfg_path: str) -> str:
    """Directory of an installed package, or an error saying what to install."""
    if not is_installed(package):
        raise ModuleNotFoundError(
            f'{cfg_path!r} names a config of the package {package!r}, which is not installed; '
            f'install it (pip install {package}, or mim install {package}) and try again. '
            'Configs are read from the installed package, never downloaded.')
    return get_installed_path(package)


def get_config(cfg_path: str, pretrained: bool = False) -> Config:
    """Read a config shipped inside an installed package.

    Args:
        cfg_path: ``'package::relative/path.py'``, the path relative to the
            package's ``configs`` folder, e.g.
            ``'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'``.
        pretrained: Also set ``cfg.model_path`` to the ``Weights`` its metafile
            lists.

    Returns:
        The config. One listed in a metafile is read from the path the metafile
        gives; others (base configs) from ``.mim/configs/<path>``.

    Raises:
        ValueError: If ``cfg_path`` is not ``package::path``, or ``pretrained``
            is set and the config has no metafile entry with ``Weights``.
        ModuleNotFoundError: If the package is not installed.
        FileNotFoundError: If the package ships no such config.

    Examples:
        >>> cfg = get_config('mmpretrain::resnet/resnet18_8xb32_in1k.py')  # doctest: +SKIP
    """
    package, relative = _get_package_and_cfg_path(cfg_path)
    package_path = _package_path(package, cfg_path)
    try:
        meta = _get_cfg_metainfo(package_path, relative)
    except (ValueError, FileNotFoundError) as error:
        if pretrained:
            raise ValueError(f'Cannot find `Weights` of {cfg_path!r}: no metafile of '
                             f'{package} lists it ({error})') from error
        return Config.fromfile(_get_external_cfg_base_path(package_path, relative))
    cfg = Config.fromfile(osp.join(package_path, '.mim', meta['Config']))
    if pretrained:
        if 'Weights' not in meta:
            raise ValueError(f'Cannot find `Weights` in cfg_file.metafile.yml, please check the '
                             f'metafile: the entry of {cfg_path!r} in {package} has none')
        cfg.model_path = meta['Weights']
    return cfg


def get_model(cfg_path: str, pretrained: bool = False, **kwargs: Any) -> nn.Module:
    """Build the model of a config shipped inside an installed package.

    The model is built under the package's scope (its registries), with the
    config's top-level ``data_preprocessor`` moved into ``model``, as MMEngine
    does.

    Args:
        cfg_path: ``'package::relative/path.py'`` (see :func:`get_config`).
        pretrained: Load the weights the metafile lists (read from the URL or
            path given there, cached).
        **kwargs: Default arguments of the model's constructor.

    Returns:
        The model; with ``pretrained``, its weights loaded and ``_is_init`` set so
        a later ``init_weights`` keeps them.

    Raises:
        ValueError, ModuleNotFoundError, FileNotFoundError: See :func:`get_config`.
    """
    scope = cfg_path.split('::')[0]
    with DefaultScope.overwrite_default_scope(scope):
        cfg = get_config(cfg_path, pretrained)
        if 'data_preprocessor' in cfg:
            cfg.model.data_preprocessor = cfg.data_preprocessor
        register = _register_all_modules(scope)
        if register is not None:
            register()
        model = MODELS.build(cfg.model, default_args=kwargs)
        if pretrained:
            load_checkpoint(model, cfg.model_path)
            model._is_init = True
        return model


def _register_all_modules(scope: str) -> Any:
    """The package's ``<scope>.utils.register_all_modules``, if it has one."""
    try:
        utils = importlib.import_module(f'{scope}.utils')
    except ModuleNotFoundError as error:
        if error.name not in (scope, f'{scope}.utils'):
            raise
        return None
    return getattr(utils, 'register_all_modules', None)
