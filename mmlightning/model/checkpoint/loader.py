"""Loading checkpoints into models (``mmengine.runner.checkpoint``, re-exported there).

It lives in the model package so that ``init_cfg=dict(type='Pretrained')`` and the
runner's ``load_from`` read checkpoints through the one :class:`CheckpointLoader`.

:class:`CheckpointLoader` reads a checkpoint from a local path, an ``http(s)://`` URL
(downloaded once into a cache directory) or any other URL fsspec knows; more schemes
are added with :meth:`CheckpointLoader.register_scheme`. :func:`load_checkpoint` loads
one into a model, as MMEngine's does, and also accepts Lightning ``.ckpt`` files.

Differences from MMEngine: files are read with ``torch.load(weights_only=True)`` and the
types MMEngine checkpoints hold allow-listed (see :mod:`.safe_load`); pass
``weights_only=False`` for other trusted files. The keys of a Lightning checkpoint
(``pytorch-lightning_version`` present) lose the LightningModule's ``model.`` prefix.
There are no ``pavi://``, ``s3://``-through-petrel, ``open-mmlab://``, ``torchvision://``
or ``mmcls://`` schemes; an ``s3://`` URL is read through fsspec (``s3fs``).
"""
from __future__ import annotations

import inspect
import os
import os.path as osp
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch import nn

from mmlightning.dist import get_dist_info
from mmlightning.logging import print_log

from ..state_dict import Logger, load_state_dict
from .download import load_url
from .safe_load import torch_load
from .sharded import is_sharded_checkpoint, load_sharded_checkpoint

#: MMEngine's default ``revise_keys``: strip DDP's ``module.`` prefix.
DEFAULT_REVISE_KEYS: Sequence[tuple[str, str]] = ((r'^module\.', ''),)
#: The prefix of the model's keys in a Lightning checkpoint of an MMLightningModule.
LIGHTNING_MODEL_PREFIX = 'model.'
#: The scheme pattern of the fsspec loader (any ``protocol://`` URL).
FSSPEC_PREFIX = r'[a-zA-Z][a-zA-Z0-9+.-]*://'


class PrefixNotFoundError(ValueError, AssertionError):
    """No weight of a checkpoint under the prefix asked for (MMEngine asserted)."""


class CheckpointLoader:
    """Loaders of checkpoints by path prefix (URL scheme); the longest match wins."""

    _schemes: dict[str, Callable[..., Any]] = {}

    @classmethod
    def register_scheme(cls, prefixes: str | Sequence[str],
                        loader: Callable[..., Any] | None = None,
                        force: bool = False) -> Any:
        """Register ``loader(filename, map_location)`` for paths starting with ``prefixes``.

        Usable as a decorator when ``loader`` is None. A prefix is a regular expression
        matched at the start of the path. A loader with a ``weights_only`` parameter also
        receives :meth:`load_checkpoint`'s ``weights_only``.

        Args:
            prefixes: One prefix or several.
            loader: The loader; None to return a decorator.
            force: Replace a loader already registered for a prefix.

        Returns:
            None, or the decorator when ``loader`` is None.

        Raises:
            TypeError: If ``prefixes`` is neither a string nor a list/tuple of strings.
            KeyError: If a prefix is already registered and ``force`` is False.
        """
        if loader is None:
            def _register(loader_fn: Callable[..., Any]) -> Callable[..., Any]:
                cls._register_scheme(prefixes, loader_fn, force)
                return loader_fn
            return _register
        cls._register_scheme(prefixes, loader, force)
        return None

    @classmethod
    def _register_scheme(cls, prefixes: str | Sequence[str], loader: Callable[..., Any],
                         force: bool) -> None:
        names = [prefixes] if isinstance(prefixes, str) else prefixes
        if not isinstance(names, (list, tuple)) or not all(isinstance(p, str) for p in names):
            raise TypeError(f'register_scheme: prefixes must be a str or a list/tuple of str, '
                            f'got {prefixes!r}')
        for prefix in names:
            if prefix in cls._schemes and not force:
                raise KeyError(f'{prefix} is already registered as a loader backend, '
                               'add "force=True" if you want to override it')
            cls._schemes[prefix] = loader

    @classmethod
    def _get_checkpoint_loader(cls, path: str) -> Callable[..., Any]:
        """The loader whose prefix matches the longest start of ``path``.

        On a tie a specific prefix wins over the generic fsspec one.
        """
        best: tuple[int, bool] = (-1, False)
        chosen = cls._schemes['']
        for prefix, loader in cls._schemes.items():
            match = re.match(prefix, path)
            if match is not None and (match.end(), prefix != FSSPEC_PREFIX) > best:
                best, chosen = (match.end(), prefix != FSSPEC_PREFIX), loader
        return chosen

    @classmethod
    def load_checkpoint(cls, filename: str, map_location: Any = None,
                        logger: Logger = 'current', *, weights_only: bool = True) -> Any:
        """Load ``filename`` with the loader registered for its prefix.

        Args:
            filename: A local path or a URL.
            map_location: As :func:`torch.load`.
            logger: Where the "Loads checkpoint by ..." line goes.
            weights_only: Load safely (see :mod:`.safe_load`); ``False`` only for
                trusted files.

        Returns:
            The loaded checkpoint.

        Raises:
            TypeError: If ``weights_only=False`` is asked of a loader that cannot honour it.
        """
        filename = os.fspath(filename)
        loader = cls._get_checkpoint_loader(filename)
        name = getattr(loader, '__name__', type(loader).__name__).removeprefix('load_from_')
        print_log(f'Loads checkpoint by {name} backend from path: {filename}', logger=logger)
        if 'weights_only' in inspect.signature(loader).parameters:
            return loader(filename, map_location, weights_only=weights_only)
        if not weights_only:
            raise TypeError(f'the checkpoint loader {name!r} for {filename!r} has no '
                            'weights_only parameter; add one to load with weights_only=False')
        return loader(filename, map_location)


@CheckpointLoader.register_scheme(prefixes='')
def load_from_local(filename: str, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load a local checkpoint file (``~`` expanded), or consolidate a sharded checkpoint
    folder of Lightning's FSDP strategy (see :mod:`.sharded`).

    Raises:
        FileNotFoundError: If the file does not exist.
    """
    filename = osp.expanduser(filename)
    if is_sharded_checkpoint(filename):
        return load_sharded_checkpoint(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found (resolved from {os.getcwd()!r}); '
                                'check the checkpoint path')
    return torch_load(filename, map_location=map_location, weights_only=weights_only)


@CheckpointLoader.register_scheme(prefixes=('http://', 'https://'))
def load_from_http(filename: str, map_location: Any = None, model_dir: str | None = None,
                   progress: bool = False, weights_only: bool = True) -> Any:
    """Load a checkpoint from a URL, downloaded once into ``model_dir`` (see :func:`load_url`).

    In a distributed run local rank 0 downloads first, then the others read the cache.
    """
    from mmlightning.dist import barrier

    rank, world_size = get_dist_info()
    kwargs = dict(model_dir=model_dir, map_location=map_location, progress=progress,
                  weights_only=weights_only)
    checkpoint = load_url(filename, **kwargs) if rank == 0 else None
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = load_url(filename, **kwargs)
    return checkpoint


@CheckpointLoader.register_scheme(prefixes=FSSPEC_PREFIX)
def load_from_fsspec(filename: str, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load a checkpoint from any fsspec URL (``memory://``, ``s3://``, ``gs://``, ...).

    Raises:
        FileNotFoundError: If the file does not exist.
    """
    from mmlightning.fileio import get_local_path

    with get_local_path(filename) as local_path:
        return torch_load(local_path, map_location=map_location, weights_only=weights_only)


def _load_checkpoint(filename: str, map_location: Any = None, logger: Logger = None, *,
                     weights_only: bool = True) -> Any:
    """Load a checkpoint from a path or URL (see :class:`CheckpointLoader`)."""
    return CheckpointLoader.load_checkpoint(filename, map_location, logger,
                                            weights_only=weights_only)


def _load_checkpoint_with_prefix(prefix: str, filename: str, map_location: Any = None, *,
                                 weights_only: bool = True) -> dict[str, Any]:
    """The weights of ``filename`` under ``prefix`` (a sub-module), with ``prefix`` removed.

    Raises:
        PrefixNotFoundError: If no key starts with ``prefix`` (a ``ValueError`` and, as
            MMEngine's, an ``AssertionError``).
    """
    checkpoint = _load_checkpoint(filename, map_location, weights_only=weights_only)
    state_dict = _model_state_dict(checkpoint)
    prefix = prefix if prefix.endswith('.') else prefix + '.'
    selected = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not selected:
        heads = sorted({key.split('.')[0] + '.' for key in state_dict})
        raise PrefixNotFoundError(f'{prefix} is not in the pretrained model {filename}; its '
                                  f'keys start with {heads[:10]}')
    return selected


def _model_state_dict(checkpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    """The model weights of a checkpoint: ``state_dict`` (without Lightning's prefix) or all."""
    state_dict = checkpoint['state_dict'] if 'state_dict' in checkpoint else checkpoint
    if 'pytorch-lightning_version' not in checkpoint:
        return state_dict
    stripped = OrderedDict((k.removeprefix(LIGHTNING_MODEL_PREFIX), v)
                           for k, v in state_dict.items())
    stripped._metadata = _lightning_metadata(state_dict)  # type: ignore[attr-defined]
    return stripped


def _lightning_metadata(state_dict: Mapping[str, Any]) -> OrderedDict:
    metadata = getattr(state_dict, '_metadata', None) or {}
    head = LIGHTNING_MODEL_PREFIX[:-1]
    revised = OrderedDict()
    for key, value in metadata.items():
        if key == head:
            revised[''] = value
        elif key.startswith(LIGHTNING_MODEL_PREFIX):
            revised[key.removeprefix(LIGHTNING_MODEL_PREFIX)] = value
    return revised


def _load_checkpoint_to_model(model: nn.Module, checkpoint: Mapping[str, Any],
                              strict: bool = False, logger: Logger = None,
                              revise_keys: Sequence[tuple[str, str]] = DEFAULT_REVISE_KEYS
                              ) -> Mapping[str, Any]:
    """Load ``checkpoint``'s weights into ``model`` after applying ``revise_keys``."""
    state_dict = _model_state_dict(checkpoint)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict((re.sub(pattern, replacement, k), v)
                                 for k, v in state_dict.items())
    revised = OrderedDict(state_dict)
    revised._metadata = metadata  # type: ignore[attr-defined]
    load_state_dict(model, revised, strict, logger)
    return checkpoint


def load_checkpoint(model: nn.Module, filename: str, map_location: Any = None,
                    strict: bool = False, logger: Logger = None,
                    revise_keys: Sequence[tuple[str, str]] = DEFAULT_REVISE_KEYS, *,
                    weights_only: bool = True) -> Mapping[str, Any]:
    """Load a checkpoint (path or URL) into ``model``.

    Args:
        model: The module to load into.
        filename: Local path, ``http(s)://`` URL or fsspec URL of an MMEngine ``.pth``,
            a Lightning ``.ckpt`` or a plain state dict.
        map_location: As :func:`torch.load`.
        strict: Raise if keys or shapes do not match (else they are logged).
        logger: Where messages go (see :func:`print_log`; ``None`` prints).
        revise_keys: ``(pattern, replacement)`` regular expressions applied to every key.
        weights_only: Load safely; ``False`` runs pickled code (trusted files only).

    Returns:
        The whole loaded checkpoint.

    Raises:
        RuntimeError: If the file does not hold a dict, or with ``strict`` on a mismatch.
        FileNotFoundError: If the file does not exist.
    """
    checkpoint = _load_checkpoint(filename, map_location, logger, weights_only=weights_only)
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'No state_dict found in checkpoint file {filename} '
                           f'(it holds a {type(checkpoint).__name__})')
    return _load_checkpoint_to_model(model, checkpoint, strict, logger, revise_keys)
