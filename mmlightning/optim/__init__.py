"""Optimisation, as ``mmengine.optim``: optimizer wrappers, their constructor, param schedulers.

Importing this package registers the optimizer wrappers, the default
constructor and the parameter schedulers (the lazy ``locations`` of
``OPTIM_WRAPPERS``, ``OPTIM_WRAPPER_CONSTRUCTORS`` and ``PARAM_SCHEDULERS``).
"""
from .optimizer import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIMIZERS,
    AmpOptimWrapper,
    BaseOptimWrapper,
    DefaultOptimWrapperConstructor,
    GradScalerBackend,
    MultiOptimWrapperConstructor,
    OptimBackend,
    OptimWrapper,
    OptimWrapperDict,
    TorchOptimBackend,
    build_optim_wrapper,
    scale_lr,
)
from .scheduler import *  # noqa: F403
from .scheduler import __all__ as _scheduler_names

__all__ = [
    'OPTIMIZERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'AmpOptimWrapper', 'BaseOptimWrapper',
    'DefaultOptimWrapperConstructor', 'GradScalerBackend', 'MultiOptimWrapperConstructor',
    'OptimBackend', 'OptimWrapper',
    'OptimWrapperDict', 'TorchOptimBackend', 'build_optim_wrapper', 'scale_lr',
    *_scheduler_names,
]
