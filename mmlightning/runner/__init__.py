"""Runner facade and checkpoint helpers (``mmengine.runner``)."""
from mmlightning.hooks.priority import Priority, get_priority
from mmlightning.logging import LogProcessor

from .base_loop import BaseLoop
from .checkpoint_loading import load_weights
from .loops import EpochBasedTrainLoop, IterBasedTrainLoop, TestLoop, ValLoop
from .runner import Runner
from .utils import set_random_seed

__all__ = ['BaseLoop', 'EpochBasedTrainLoop', 'IterBasedTrainLoop', 'LogProcessor', 'Priority',
           'Runner', 'TestLoop', 'ValLoop', 'get_priority', 'load_weights', 'set_random_seed']

from .activation_checkpointing import turn_on_activation_checkpointing  # noqa: E402
from .amp import autocast  # noqa: E402
from .checkpoint import (  # noqa: E402
    CheckpointLoader,
    find_latest_checkpoint,
    get_state_dict,
    load_checkpoint,
    load_state_dict,
    save_checkpoint,
    weights_to_cpu,
)
from .checkpoint_convert import convert_lightning_to_mmengine  # noqa: E402
from .checkpoint_import import convert_mmengine_to_lightning  # noqa: E402

__all__ += ['CheckpointLoader', 'autocast', 'convert_lightning_to_mmengine',
            'convert_mmengine_to_lightning', 'find_latest_checkpoint', 'get_state_dict',
            'load_checkpoint', 'load_state_dict', 'save_checkpoint',
            'turn_on_activation_checkpointing', 'weights_to_cpu']
