"""Optimizer wrappers, the optimizer constructor and their builders (``mmengine.optim.optimizer``).

Importing this package registers ``OptimWrapper``, ``AmpOptimWrapper``,
``DefaultOptimWrapperConstructor`` and ``MultiOptimWrapperConstructor``.
"""
from .amp_optimizer_wrapper import AmpOptimWrapper
from .backend import GradScalerBackend, OptimBackend, TorchOptimBackend
from .base import BaseOptimWrapper
from .builder import OPTIM_WRAPPER_CONSTRUCTORS, OPTIMIZERS, build_optim_wrapper
from .default_constructor import DefaultOptimWrapperConstructor
from .multi_constructor import MultiOptimWrapperConstructor
from .optimizer_wrapper import OptimWrapper
from .optimizer_wrapper_dict import OptimWrapperDict
from .scale_lr import scale_lr

__all__ = [
    'OPTIMIZERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'AmpOptimWrapper', 'BaseOptimWrapper',
    'DefaultOptimWrapperConstructor', 'GradScalerBackend', 'MultiOptimWrapperConstructor',
    'OptimBackend', 'OptimWrapper',
    'OptimWrapperDict', 'TorchOptimBackend', 'build_optim_wrapper', 'scale_lr',
]
