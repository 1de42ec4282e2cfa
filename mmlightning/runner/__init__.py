"""Runner facade and checkpoint helpers (``mmengine.runner``)."""
from mmlightning.hooks.priority import Priority, get_priority
from mmlightning.logging import LogProcessor

from .checkpoint_loading import load_weights
from .runner import Runner
from .utils import set_random_seed

__all__ = ['LogProcessor', 'Priority', 'Runner', 'get_priority', 'load_weights',
           'set_random_seed']
