"""Runner facade and checkpoint helpers (``mmengine.runner``)."""
from .checkpoint_loading import load_weights
from .runner import Runner
from .utils import set_random_seed

__all__ = ['Runner', 'load_weights', 'set_random_seed']
