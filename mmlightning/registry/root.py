"""The root registries, with MMEngine's names.

Every OpenMMLab-style package hangs child registries (its own scope) under
these. Lookups of torch optimizers and ``torch.nn`` layers import
:mod:`mmlightning.registry.torch_modules` lazily, so building the registries
imports no torch.
"""
from __future__ import annotations

from .build_functions import build_model_from_cfg, build_runner_from_cfg, build_scheduler_from_cfg
from .registry import Registry

_TORCH = 'mmlightning.registry.torch_modules'

RUNNERS = Registry('runner', build_func=build_runner_from_cfg, scope='mmlightning')
RUNNER_CONSTRUCTORS = Registry('runner constructor', scope='mmlightning')
LOOPS = Registry('loop', scope='mmlightning', locations=['mmlightning.runner.loops'])
HOOKS = Registry('hook', scope='mmlightning', locations=['mmlightning.hooks'])
STRATEGIES = Registry('strategy', scope='mmlightning')

DATASETS = Registry('dataset', scope='mmlightning', locations=['mmlightning.dataset'])
DATA_SAMPLERS = Registry('data sampler', scope='mmlightning', locations=['mmlightning.dataset'])
TRANSFORMS = Registry('transform', scope='mmlightning', locations=['mmlightning.dataset'])

MODELS = Registry('model', build_func=build_model_from_cfg, scope='mmlightning',
                  locations=[_TORCH, 'mmlightning.model'])
MODEL_WRAPPERS = Registry('model_wrapper', scope='mmlightning',
                          locations=[_TORCH, 'mmlightning.model.wrappers'])
WEIGHT_INITIALIZERS = Registry('weight initializer', scope='mmlightning',
                               locations=['mmlightning.model'])

OPTIMIZERS = Registry('optimizer', scope='mmlightning', locations=[_TORCH])
OPTIM_WRAPPERS = Registry('optim_wrapper', scope='mmlightning', locations=['mmlightning.optim'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor', scope='mmlightning',
                                      locations=['mmlightning.optim'])
PARAM_SCHEDULERS = Registry('parameter scheduler', build_func=build_scheduler_from_cfg,
                            scope='mmlightning', locations=['mmlightning.optim'])

METRICS = Registry('metric', scope='mmlightning', locations=['mmlightning.evaluator'])
EVALUATOR = Registry('evaluator', scope='mmlightning', locations=['mmlightning.evaluator'])

TASK_UTILS = Registry('task util', scope='mmlightning')

VISUALIZERS = Registry('visualizer', scope='mmlightning', locations=['mmlightning.visualization'])
VISBACKENDS = Registry('vis_backend', scope='mmlightning',
                       locations=['mmlightning.visualization'])

LOG_PROCESSORS = Registry('log_processor', scope='mmlightning', locations=['mmlightning.logging'])

INFERENCERS = Registry('inferencer', scope='mmlightning')

FUNCTIONS = Registry('function', scope='mmlightning', locations=['mmlightning.dataset'])
COLLATE_FUNCTIONS = FUNCTIONS
