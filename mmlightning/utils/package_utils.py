"""Installed-package queries on ``importlib.metadata`` (MMEngine's ``utils/package_utils.py``)."""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import os.path as osp
import subprocess
import sys


def is_installed(package: str) -> bool:
    """Whether ``package`` is installed: a distribution name, or an importable module.

    Args:
        package: A distribution name (``'mmcv-full'``) or a top-level module name.

    Returns:
        True if a distribution of that name exists or the module can be found
        (namespace packages without a file do not count).
    """
    importlib.invalidate_caches()  # see packages installed since the interpreter started
    try:
        metadata.distribution(package)
        return True
    except metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def package2module(package: str) -> str:
    """Infer the top-level module name of an installed distribution.

    Reads ``top_level.txt`` like MMEngine; distributions built without it (e.g. by
    hatchling or flit) are looked up in :func:`importlib.metadata.packages_distributions`.

    Args:
        package: The distribution name, e.g. ``'mmcv-full'`` -> ``'mmcv'``.

    Returns:
        The module name.

    Raises:
        importlib.metadata.PackageNotFoundError: If ``package`` is not installed.
        ValueError: If no module name can be inferred.
    """
    dist = metadata.distribution(package)
    top_level = dist.read_text('top_level.txt')
    if top_level:
        return top_level.split('\n')[0]
    dist_name = dist.metadata['Name']
    modules = sorted(module for module, dists in metadata.packages_distributions().items()
                     if dist_name in dists and not module.startswith('_'))
    if modules:
        return modules[0]
    raise ValueError(f'can not infer the module name of {package}: its distribution has no '
                     'top_level.txt and provides no importable top-level module')


def get_installed_path(package: str) -> str:
    """Return the directory an installed package's module lives in.

    Args:
        package: A distribution name (``'mmcv-full'``) or a module name found on
            ``sys.path`` (e.g. through ``PYTHONPATH``).

    Returns:
        The package directory, e.g. ``'.../site-packages/mmcv'``.

    Raises:
        importlib.metadata.PackageNotFoundError: If nothing of that name is installed.
        RuntimeError: If ``package`` is a namespace package (it has no single path).

    Examples:
        >>> get_installed_path('packaging').endswith('packaging')
        True
    """
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        if spec is None:
            raise
        if spec.origin is None:
            raise RuntimeError(f'{package} is a namespace package, which is invalid for '
                               '`get_install_path`') from None
        return osp.dirname(spec.origin)
    location = osp.abspath(str(dist.locate_file('')))
    possible_path = osp.join(location, package)
    if osp.exists(possible_path):
        return possible_path
    module = package2module(package)
    module_path = osp.join(location, module)
    if osp.exists(module_path):
        return module_path
    # Editable installs keep the code outside site-packages: ask the import system.
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        return osp.dirname(spec.origin)
    return module_path


def call_command(cmd: list[str]) -> None:
    """Run ``cmd`` (an argv list) and raise ``CalledProcessError`` if it fails."""
    subprocess.check_call(cmd)


def install_package(package: str) -> None:
    """``pip install`` ``package`` into the running interpreter unless it is installed."""
    if not is_installed(package):
        call_command([sys.executable, '-m', 'pip', 'install', package])
