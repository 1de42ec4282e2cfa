"""``Pretrained`` init: load (part of) a checkpoint into a module, through ``CheckpointLoader``."""
from __future__ import annotations

import logging
from typing import Any

from torch import nn

from mmlightning.registry import WEIGHT_INITIALIZERS

from ..checkpoint.loader import PrefixNotFoundError, _load_checkpoint_with_prefix, load_checkpoint
from ..state_dict import load_state_dict
from .functions import update_init_info

logger = logging.getLogger('mmlightning')


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class PretrainedInit:
    """Initialise a module from a pretrained checkpoint (``mmengine.model.PretrainedInit``).

    The checkpoint is read by :class:`~mmlightning.model.checkpoint.CheckpointLoader`:
    a local path, an ``http(s)://`` URL (downloaded once into a cache) or any fsspec
    URL, loaded with ``weights_only=True``. MMEngine ``.pth`` files, plain state dicts
    and Lightning ``.ckpt`` files all work. Without ``prefix`` the checkpoint's
    ``state_dict`` (or the checkpoint itself) is loaded with a leading ``'module.'``
    stripped from its keys; with ``prefix='backbone.'`` only the keys under that prefix
    are loaded, with the prefix removed. Mismatched keys are logged, not raised.

    Args:
        checkpoint: Path or URL of the checkpoint file.
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
            FileNotFoundError: If a local file does not exist.
            ValueError: If ``prefix`` matches no key.
            RuntimeError: If the file does not hold a dict.
        """
        try:
            if self.prefix is None:
                logger.info('load model from: %s', self.checkpoint)
                load_checkpoint(module, self.checkpoint, map_location=self.map_location,
                                strict=False, logger=logger)
            else:
                logger.info('load %s in model from: %s', self.prefix, self.checkpoint)
                state_dict = _load_checkpoint_with_prefix(self.prefix, self.checkpoint,
                                                          map_location=self.map_location)
                load_state_dict(module, state_dict, strict=False, logger=logger)
        except (FileNotFoundError, ValueError, RuntimeError) as error:
            if type(error) not in (FileNotFoundError, ValueError, RuntimeError,
                                   PrefixNotFoundError):
                raise
            raise type(error)(f"init_cfg=dict(type='Pretrained', checkpoint="
                              f'{self.checkpoint!r}): {error}') from error
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}: load from {self.checkpoint}'
