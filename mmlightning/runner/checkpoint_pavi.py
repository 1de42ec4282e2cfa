"""``pavi://`` checkpoints: MMEngine's ``load_from_pavi`` (OpenMMLab's model cloud, ``pavi``).

Registered with :class:`~mmlightning.runner.checkpoint.CheckpointLoader` when
``mmlightning.runner`` is imported.
"""
from __future__ import annotations

import os.path as osp
from tempfile import TemporaryDirectory
from typing import Any

from mmlightning.model.checkpoint.loader import CheckpointLoader, load_from_local

PAVI_PREFIX = 'pavi://'


class PaviPathError(ValueError, AssertionError):
    """A path given to :func:`load_from_pavi` without ``pavi://`` (MMEngine asserted)."""


@CheckpointLoader.register_scheme(prefixes=PAVI_PREFIX)
def load_from_pavi(filename: str, map_location: Any = None, weights_only: bool = True) -> Any:
    """Download a ``pavi://<model path>`` checkpoint into a temporary folder and load it.

    Every rank downloads its own copy.

    Raises:
        PaviPathError: If ``filename`` does not start with ``pavi://``.
        ImportError: If ``pavi`` is not installed.
        FileNotFoundError: If the download left no file.
    """
    if not filename.startswith(PAVI_PREFIX):
        raise PaviPathError(f'Expected filename startswith `pavi://`, but get {filename}')
    try:
        from pavi import modelcloud
    except ImportError as error:
        raise ImportError('Please install pavi to load checkpoint from modelcloud '
                          f'({filename}).') from error
    model = modelcloud.get(filename[len(PAVI_PREFIX):])
    with TemporaryDirectory() as tmp_dir:
        downloaded_file = osp.join(tmp_dir, model.name)
        model.download(downloaded_file)
        return load_from_local(downloaded_file, map_location, weights_only=weights_only)
