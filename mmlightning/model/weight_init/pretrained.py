"""``Pretrained`` init: load (part of) a local checkpoint into a module."""
from __future__ import annotations

import logging
import os
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from mmlightning.registry import WEIGHT_INITIALIZERS

from ..state_dict import load_state_dict
from .functions import update_init_info

logger = logging.getLogger('mmlightning')

_REMOTE = re.compile(r'^[a-z][a-z0-9+.-]*://', re.IGNORECASE)


def _read_checkpoint(filename: str, map_location: Any) -> Mapping[str, Any]:
    """``torch.load`` a local checkpoint file (tensors only: ``weights_only=True``)."""
    if _REMOTE.match(str(filename)):
        raise ValueError(
            f'Pretrained checkpoint={filename!r}: only local files are supported; download '
            'it first and pass its path.')
    if not os.path.isfile(filename):
        raise FileNotFoundError(
            f'Pretrained checkpoint={filename!r} does not exist (resolved from '
            f'{os.getcwd()!r}); fix the path in init_cfg.')
    checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    if not isinstance(checkpoint, Mapping):
        raise RuntimeError(f'No state_dict found in checkpoint file {filename} '
                           f'(it holds a {type(checkpoint).__name__}).')
    return checkpoint


def _state_dict_of(checkpoint: Mapping[str, Any]) -> Mapping[str, Any]:
    return checkpoint['state_dict'] if 'state_dict' in checkpoint else checkpoint


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class PretrainedInit:
    """Initialise a module from a pretrained checkpoint (a local file).

    Without ``prefix`` the checkpoint's ``state_dict`` (or the checkpoint
    itself) is loaded with a leading ``'module.'`` stripped from its keys;
    with ``prefix='backbone.'`` only the keys under that prefix are loaded,
    with the prefix removed.

    Args:
        checkpoint: Path of the checkpoint file.
        prefix: Prefix of the sub-module to load from the checkpoint.
        map_location: ``torch.load``'s ``map_location``.
    """

    def __init__(self, checkpoint: str, prefix: str | None = None,
                 map_location: Any = 'cpu') -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.wholemodule = False

    def __call__(self, module: nn.Module) -> None:
        """Load the checkpoint into ``module``.

        Raises:
            ValueError: If the path is remote or ``prefix`` matches no key.
            FileNotFoundError: If the file does not exist.
        """
        checkpoint = _read_checkpoint(self.checkpoint, self.map_location)
        state_dict = _state_dict_of(checkpoint)
        if self.prefix is None:
            logger.info('load model from: %s', self.checkpoint)
            metadata = getattr(state_dict, '_metadata', None)
            state_dict = OrderedDict((re.sub(r'^module\.', '', key), value)
                                     for key, value in state_dict.items())
            if metadata is not None:
                state_dict._metadata = metadata  # type: ignore[attr-defined]
        else:
            logger.info('load %s in model from: %s', self.prefix, self.checkpoint)
            state_dict = _with_prefix(state_dict, self.prefix, self.checkpoint)
        load_state_dict(module, state_dict, logger=logger)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}: load from {self.checkpoint}'


def _with_prefix(state_dict: Mapping[str, Any], prefix: str,
                 filename: str) -> dict[str, Any]:
    prefix = prefix if prefix.endswith('.') else prefix + '.'
    selected = {key[len(prefix):]: value for key, value in state_dict.items()
                if key.startswith(prefix)}
    if not selected:
        heads = sorted({key.split('.', 1)[0] + '.' for key in state_dict})
        raise ValueError(f'Pretrained prefix={prefix!r} is not in the checkpoint {filename} '
                         f'(its keys start with {heads[:10]}); fix prefix in init_cfg.')
    return selected
