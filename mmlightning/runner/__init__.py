"""Runner facade and checkpoint helpers (``mmengine.runner``)."""
from mmlightning.hooks.priority import Priority, get_priority
from mmlightning.logging import LogProcessor

from .checkpoint_loading import load_weights
from .runner import Runner
from .utils import set_random_seed

__all__ = ['LogProcessor', 'Priority', 'Runner', 'get_priority', 'load_weights',
           'set_random_seed']

from .checkpoint import (  # noqa: E402
    CheckpointLoader,
    load_checkpoint,
    load_state_dict,
)
from .checkpoint_convert import convert_lightning_to_mmengine  # noqa: E402
from .checkpoint_import import convert_mmengine_to_lightning  # noqa: E402

__all__ += ['CheckpointLoader', 'convert_lightning_to_mmengine', 'convert_mmengine_to_lightning',
            'load_checkpoint', 'load_state_dict']
