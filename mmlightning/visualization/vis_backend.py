"""The vis backends under MMEngine's module path ``mmengine.visualization.vis_backend``."""
from .aim_backend import AimVisBackend
from .base_backend import BaseVisBackend, force_init_env
from .clearml_backend import ClearMLVisBackend
from .dvclive_backend import DVCLiveVisBackend
from .local_backend import LocalVisBackend
from .mlflow_backend import MLflowVisBackend
from .neptune_backend import NeptuneVisBackend
from .tensorboard_backend import TensorboardVisBackend
from .wandb_backend import WandbVisBackend

__all__ = ['BaseVisBackend', 'force_init_env', 'LocalVisBackend', 'TensorboardVisBackend',
           'WandbVisBackend', 'MLflowVisBackend', 'ClearMLVisBackend', 'NeptuneVisBackend',
           'DVCLiveVisBackend', 'AimVisBackend']
