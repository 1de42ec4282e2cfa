"""``mmengine.runner.checkpoint``: the checkpoint loading API at MMEngine's import path.

The implementation is :mod:`mmlightning.model.checkpoint` (the model layer, so that
``init_cfg=dict(type='Pretrained')`` uses it too).
"""
from typing import Any

from mmlightning.logging import print_log
from mmlightning.model.checkpoint.download import get_mmlightning_home, load_url
from mmlightning.model.checkpoint.loader import (
    DEFAULT_REVISE_KEYS,
    LIGHTNING_MODEL_PREFIX,
    CheckpointLoader,
    _load_checkpoint,
    _load_checkpoint_to_model,
    _load_checkpoint_with_prefix,
    load_checkpoint,
    load_from_fsspec,
    load_from_http,
    load_from_local,
)
from mmlightning.model.state_dict import load_state_dict as _load_state_dict

from .checkpoint_pavi import load_from_pavi
from .checkpoint_save import find_latest_checkpoint, get_state_dict, save_checkpoint, weights_to_cpu

__all__ = ['DEFAULT_REVISE_KEYS', 'LIGHTNING_MODEL_PREFIX', 'CheckpointLoader',
           '_load_checkpoint', '_load_checkpoint_to_model', '_load_checkpoint_with_prefix',
           'find_latest_checkpoint', 'get_mmlightning_home', 'get_state_dict', 'load_checkpoint',
           'load_from_fsspec', 'load_from_http', 'load_from_local', 'load_from_pavi',
           'load_state_dict', 'load_url',
           'save_checkpoint', 'weights_to_cpu']


def load_state_dict(module: Any, state_dict: Any, strict: bool = False,
                    logger: Any = None) -> None:
    """:func:`mmlightning.model.state_dict.load_state_dict`, reporting through this module's
    ``print_log`` as MMEngine's ``runner.checkpoint.load_state_dict`` does (code patching
    ``mmlightning.runner.checkpoint.print_log`` sees the report)."""
    _load_state_dict(module, state_dict, strict, logger, report=print_log)
