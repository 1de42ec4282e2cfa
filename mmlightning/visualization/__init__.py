"""Visualizer and vis backends (``mmengine.visualization``).

``Visualizer`` draws on images with matplotlib (Agg) and fans ``add_*`` calls out
to backends: ``LocalVisBackend`` (MMEngine's ``vis_data/`` files),
``TensorboardVisBackend`` and ``WandbVisBackend`` (on Lightning's TensorBoard and
W&B loggers, exposed as ``backend.lightning_logger`` for the ``Trainer``).
``plot_curves`` draws the loss, lr and metric curves of a ``scalars.json``.
"""
from .curves import plot_curves
from .vis_backend import (
    BaseVisBackend,
    LocalVisBackend,
    TensorboardVisBackend,
    WandbVisBackend,
)
from .visualizer import Visualizer

__all__ = ['Visualizer', 'BaseVisBackend', 'LocalVisBackend', 'TensorboardVisBackend',
           'WandbVisBackend', 'plot_curves']
