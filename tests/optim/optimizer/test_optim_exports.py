"""mmlightning.optim exports mmengine.optim's names (those ported)."""
from __future__ import annotations

import mmlightning.optim as optim

MMENGINE_OPTIM_NAMES = {
    'OPTIM_WRAPPER_CONSTRUCTORS', 'OPTIMIZERS', 'build_optim_wrapper',
    'DefaultOptimWrapperConstructor', 'OptimWrapper', 'AmpOptimWrapper', 'OptimWrapperDict',
    'BaseOptimWrapper', 'ConstantLR', 'CosineAnnealingLR', 'ExponentialLR', 'LinearLR',
    'MultiStepLR', 'StepLR', 'PolyLR', 'OneCycleLR', 'ReduceOnPlateauLR', '_ParamScheduler',
}


def test_mmengine_names_are_exported():
    for name in MMENGINE_OPTIM_NAMES:
        assert name in optim.__all__, name
        assert getattr(optim, name) is not None


def test_all_names_resolve():
    for name in optim.__all__:
        assert getattr(optim, name) is not None, name
