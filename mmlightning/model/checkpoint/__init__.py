"""Reading checkpoints: :class:`CheckpointLoader` (local, ``http(s)``, fsspec), safe loading."""
from .download import get_mmlightning_home, load_url
from .loader import (
    DEFAULT_REVISE_KEYS,
    LIGHTNING_MODEL_PREFIX,
    CheckpointLoader,
    load_checkpoint,
    load_from_fsspec,
    load_from_http,
    load_from_local,
)
from .safe_load import allow_checkpoint_globals, safe_globals, torch_load

__all__ = ['DEFAULT_REVISE_KEYS', 'LIGHTNING_MODEL_PREFIX', 'CheckpointLoader',
           'allow_checkpoint_globals', 'get_mmlightning_home', 'load_checkpoint',
           'load_from_fsspec', 'load_from_http', 'load_from_local', 'load_url', 'safe_globals',
           'torch_load']
