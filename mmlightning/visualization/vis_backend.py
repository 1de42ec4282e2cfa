"""The vis backends under MMEngine's module path ``mmengine.visualization.vis_backend``."""
from .base_backend import BaseVisBackend, force_init_env
from .local_backend import LocalVisBackend
from .tensorboard_backend import TensorboardVisBackend
from .wandb_backend import WandbVisBackend

__all__ = ['BaseVisBackend', 'force_init_env', 'LocalVisBackend', 'TensorboardVisBackend',
           'WandbVisBackend']
