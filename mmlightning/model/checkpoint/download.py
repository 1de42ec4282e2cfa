"""Downloading checkpoints once into a cache directory (``torch.hub.load_state_dict_from_url``).

The cache is ``$MMLIGHTNING_HOME/checkpoints``, with ``MMLIGHTNING_HOME`` defaulting to
``$XDG_CACHE_HOME/mmlightning`` (``~/.cache/mmlightning``). As in torch.hub a file is named
after the last part of the URL path, and a name like ``resnet18-5c106cde.pth`` carries the
first hex digits of the file's SHA-256, checked with ``check_hash=True``.
"""
from __future__ import annotations

import os
import os.path as osp
import re
from typing import Any
from urllib.parse import urlparse

from .safe_load import torch_load

ENV_MMLIGHTNING_HOME = 'MMLIGHTNING_HOME'
ENV_XDG_CACHE_HOME = 'XDG_CACHE_HOME'
DEFAULT_CACHE_DIR = '~/.cache'
#: torch.hub's pattern of the hash prefix in a file name.
HASH_REGEX = re.compile(r'-([a-f0-9]*)\.')


def get_mmlightning_home() -> str:
    """The cache root: ``$MMLIGHTNING_HOME`` or ``$XDG_CACHE_HOME/mmlightning`` (created)."""
    cache = os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR)
    home = osp.expanduser(os.getenv(ENV_MMLIGHTNING_HOME, osp.join(cache, 'mmlightning')))
    os.makedirs(home, exist_ok=True)
    return home


def cached_path_of(url: str, model_dir: str | None = None) -> str:
    """Where :func:`load_url` keeps the download of ``url``.

    Raises:
        ValueError: If the URL path has no file name.
    """
    name = osp.basename(urlparse(url).path)
    if not name:
        raise ValueError(f'cannot name the download of {url!r}: its path has no file name; '
                         'use a URL ending with the checkpoint file name')
    return osp.join(model_dir or osp.join(get_mmlightning_home(), 'checkpoints'), name)


def load_url(url: str, model_dir: str | None = None, map_location: Any = None,
             progress: bool = False, check_hash: bool = False, file_name: str | None = None,
             weights_only: bool = True) -> Any:
    """Download ``url`` unless already cached, then load it.

    The download goes to a temporary file renamed when complete, so an interrupted
    download never leaves a partial file in the cache.

    Args:
        url: The ``http(s)://`` URL.
        model_dir: The cache directory (default ``$MMLIGHTNING_HOME/checkpoints``).
        map_location: As :func:`torch.load`.
        progress: Show a download progress bar.
        check_hash: Check the file's SHA-256 against the hex digits after the last ``-``
            of its name.
        file_name: Name of the cached file (default: from the URL).
        weights_only: Load safely; ``False`` runs pickled code (trusted files only).

    Returns:
        The loaded checkpoint.

    Raises:
        urllib.error.URLError: If the download fails (``HTTPError`` for a 404).
        RuntimeError: With ``check_hash``, if the hash does not match.
    """
    from torch.hub import download_url_to_file

    cached = cached_path_of(url, model_dir)
    if file_name is not None:
        cached = osp.join(osp.dirname(cached), file_name)
    if not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        match = HASH_REGEX.search(osp.basename(cached)) if check_hash else None
        download_url_to_file(url, cached, match.group(1) if match else None, progress=progress)
    return torch_load(cached, map_location=map_location, weights_only=weights_only)
