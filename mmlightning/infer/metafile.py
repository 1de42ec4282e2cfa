"""Model names of an installed OpenMMLab package: its ``model-index.yml`` and metafiles.

Everything is read from the package's files (``.mim`` when pip-installed, the
repository root for a source checkout on ``PYTHONPATH``); nothing is downloaded.
"""
from __future__ import annotations

import importlib
import os.path as osp
from collections.abc import Iterator

from mmlightning.config.utils import MODULE2PACKAGE
from mmlightning.fileio import load
from mmlightning.utils.suggestions import did_you_mean


def configs_root(scope: str) -> str:
    """The folder holding ``configs`` and ``model-index.yml`` of the package ``scope``.

    Raises:
        KeyError: If ``scope`` cannot be imported and is no known OpenMMLab scope.
        ImportError: If ``scope`` is an OpenMMLab scope that is not installed (the
            message names the package to install).
        FileNotFoundError: If the package has no ``configs`` folder.
    """
    try:
        module = importlib.import_module(scope)
    except ImportError as error:
        if scope not in MODULE2PACKAGE:
            raise KeyError(f'{scope} is not a valid scope. The available scopes are '
                           f'{sorted(MODULE2PACKAGE)}') from error
        project = MODULE2PACKAGE[scope]
        raise ImportError(f'Cannot import {scope} correctly, please try to install the '
                          f'{project} by "pip install {project}"') from error
    package_path = module.__path__[0]
    repo_dir = osp.dirname(package_path)
    if osp.exists(osp.join(repo_dir, 'configs')):
        return repo_dir
    mim_dir = osp.join(package_path, '.mim')
    if not osp.exists(osp.join(mim_dir, 'configs')):
        raise FileNotFoundError(f'Cannot find `configs` directory in {package_path}!, please '
                                f'check the completeness of the {scope}.')
    return mim_dir


def models_of(root: str) -> Iterator[dict]:
    """The ``Models`` entries of every metafile ``root/model-index.yml`` imports."""
    index = load(osp.join(root, 'model-index.yml'))
    for meta_path in index['Import']:
        yield from load(osp.join(root, meta_path))['Models']


def names_of(model: dict) -> list[str]:
    """A metafile entry's ``Name`` and ``Alias`` (a str or a list)."""
    aliases = model.get('Alias', [])
    return [model['Name'], *([aliases] if isinstance(aliases, str) else aliases)]


def find_model(scope: str, name: str) -> tuple[str, str | None]:
    """Config path and weights of the model called ``name`` (or an alias) in ``scope``.

    Names are compared case-insensitively.

    Returns:
        The absolute config path and the first ``Weights`` entry (None if none).

    Raises:
        ValueError: If no metafile of the package lists the name (with the closest
            names).
    """
    root = configs_root(scope)
    known = []
    for model in models_of(root):
        names = names_of(model)
        known.extend(names)
        if name.lower() in (n.lower() for n in names):
            weights = model.get('Weights')
            weights = weights[0] if isinstance(weights, list) else weights
            return osp.join(root, model['Config']), weights
    raise ValueError(f'Cannot find model: {name} in {scope}: it is neither a config file nor a '
                     f'model name of the metafiles under {root}.{did_you_mean(name, known)}')
