"""Registries: map the ``type=`` names of configs to classes and functions."""
from .build_functions import (
                              build_from_cfg,
                              build_model_from_cfg,
                              build_runner_from_cfg,
                              build_scheduler_from_cfg,
)
from .default_scope import DefaultScope, init_default_scope
from .registry import Registry
from .root import (
                              COLLATE_FUNCTIONS,
                              DATA_SAMPLERS,
                              DATASETS,
                              EVALUATOR,
                              FUNCTIONS,
                              HOOKS,
                              INFERENCERS,
                              LOG_PROCESSORS,
                              LOOPS,
                              METRICS,
                              MODEL_WRAPPERS,
                              MODELS,
                              OPTIM_WRAPPER_CONSTRUCTORS,
                              OPTIM_WRAPPERS,
                              OPTIMIZERS,
                              PARAM_SCHEDULERS,
                              RUNNER_CONSTRUCTORS,
                              RUNNERS,
                              STRATEGIES,
                              TASK_UTILS,
                              TRANSFORMS,
                              VISBACKENDS,
                              VISUALIZERS,
                              WEIGHT_INITIALIZERS,
)
from .utils import count_registered_modules, traverse_registry_tree

build_optimizer_from_cfg = build_from_cfg

__all__ = [
    'COLLATE_FUNCTIONS', 'DATASETS', 'DATA_SAMPLERS', 'EVALUATOR', 'FUNCTIONS', 'HOOKS',
    'INFERENCERS', 'LOG_PROCESSORS', 'LOOPS', 'METRICS', 'MODELS', 'MODEL_WRAPPERS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'RUNNERS',
    'RUNNER_CONSTRUCTORS', 'STRATEGIES', 'TASK_UTILS', 'TRANSFORMS', 'VISBACKENDS', 'VISUALIZERS',
    'WEIGHT_INITIALIZERS', 'DefaultScope', 'Registry', 'build_from_cfg', 'build_model_from_cfg',
    'build_optimizer_from_cfg', 'build_runner_from_cfg', 'build_scheduler_from_cfg',
    'count_registered_modules', 'init_default_scope', 'traverse_registry_tree',
]
