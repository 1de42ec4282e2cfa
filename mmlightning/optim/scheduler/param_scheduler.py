"""The generic parameter schedulers, at MMEngine's import path.

``mmengine.optim.scheduler.param_scheduler`` holds the base class and every
generic scheduler; here each lives in its own module and this one gathers
them, so ``from mmlightning.optim.scheduler.param_scheduler import INF,
_ParamScheduler`` ports unchanged.
"""
from .annealing import CosineAnnealingParamScheduler, LinearParamScheduler, PolyParamScheduler
from .base import INF, OptimizerType, _ParamScheduler
from .cosine_restart import CosineRestartParamScheduler
from .multiplicative import (
    ConstantParamScheduler,
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    StepParamScheduler,
)
from .one_cycle import OneCycleParamScheduler
from .reduce_on_plateau import ReduceOnPlateauParamScheduler

__all__ = [
    'INF', 'ConstantParamScheduler', 'CosineAnnealingParamScheduler',
    'CosineRestartParamScheduler', 'ExponentialParamScheduler', 'LinearParamScheduler',
    'MultiStepParamScheduler', 'OneCycleParamScheduler', 'OptimizerType', 'PolyParamScheduler',
    'ReduceOnPlateauParamScheduler', 'StepParamScheduler', '_ParamScheduler',
]
