"""The root registries: MMEngine's names, torch pre-registrations, lazy imports."""
from __future__ import annotations

import subprocess
import sys

import pytest

import mmlightning.registry as registry_module

MMENGINE_ROOTS = ['RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'STRATEGIES', 'DATASETS',
                  'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
                  'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
                  'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
                  'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS',
                  'FUNCTIONS']


def test_every_mmengine_root_exists_with_its_name() -> None:
    for name in MMENGINE_ROOTS:
        registry = getattr(registry_module, name)
        assert registry.scope == 'mmlightning' and registry.parent is None
    assert registry_module.COLLATE_FUNCTIONS is registry_module.FUNCTIONS


def test_torch_optimizers_and_layers_preregistered() -> None:
    import torch

    from mmlightning.registry import MODEL_WRAPPERS, MODELS, OPTIMIZERS

    for name in ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'LBFGS']:
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)
    if hasattr(torch.optim, 'Adafactor'):
        assert OPTIMIZERS.get('TorchAdafactor') is torch.optim.Adafactor
    for name in ['Conv2d', 'Linear', 'BatchNorm2d', 'ReLU', 'GELU', 'LayerNorm', 'Dropout']:
        assert MODELS.get(name) is getattr(torch.nn, name)
    assert MODEL_WRAPPERS.get('DistributedDataParallel') is \
        torch.nn.parallel.DistributedDataParallel
    model = torch.nn.Linear(2, 2)
    sgd = OPTIMIZERS.build(dict(type='SGD', lr=0.1, params=model.parameters()))
    assert isinstance(sgd, torch.optim.SGD)


def test_unknown_optimizer_suggests() -> None:
    from mmlightning.registry import OPTIMIZERS

    with pytest.raises(KeyError, match="Did you mean one of 'AdamW', 'Adam'"):
        OPTIMIZERS.build(dict(type='AdamWW', params=[]))


def test_importing_registry_and_config_imports_no_torch() -> None:
    code = ('import sys, mmlightning.config, mmlightning.registry; '
            'print(sorted(m for m in ("torch", "lightning") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == '[]'
