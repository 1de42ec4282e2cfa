"""Visualizer and vis backends (``mmengine.visualization``).

``Visualizer`` draws on images with matplotlib (Agg) and fans ``add_*`` calls out
to backends: ``LocalVisBackend`` (MMEngine's ``vis_data/`` files),
``TensorboardVisBackend``, ``WandbVisBackend`` and ``MLflowVisBackend`` (on
Lightning's loggers, exposed as ``backend.lightning_logger`` for the ``Trainer``),
and ``ClearMLVisBackend``, ``NeptuneVisBackend``, ``DVCLiveVisBackend`` and
``AimVisBackend`` on those packages (optional: each is imported on first use).
``plot_curves`` draws the loss, lr and metric curves of a ``scalars.json``.
"""
from .curves import plot_curves
from .vis_backend import (
    AimVisBackend,
    BaseVisBackend,
    ClearMLVisBackend,
    DVCLiveVisBackend,
    LocalVisBackend,
    MLflowVisBackend,
    NeptuneVisBackend,
    TensorboardVisBackend,
    WandbVisBackend,
)
from .visualizer import Visualizer

__all__ = ['Visualizer', 'BaseVisBackend', 'LocalVisBackend', 'TensorboardVisBackend',
           'WandbVisBackend', 'MLflowVisBackend', 'ClearMLVisBackend', 'NeptuneVisBackend',
           'DVCLiveVisBackend', 'AimVisBackend', 'plot_curves']
