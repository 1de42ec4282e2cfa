"""Model wrappers: MMEngine's DDP wrappers (with ``train_step``) and ``is_model_wrapper``.

Under the Runner, Lightning's strategy wraps the model; these are for code
that runs its own distributed loop, and for packages that subclass them.
"""
from .distributed import MMDistributedDataParallel
from .seperate_distributed import MMSeparateDistributedDataParallel
from .utils import is_model_wrapper

__all__ = ['MMDistributedDataParallel', 'MMSeparateDistributedDataParallel', 'is_model_wrapper']
