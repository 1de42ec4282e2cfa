"""Hooks (``mmengine.hooks``): extension points of a run, dispatched from one Lightning callback.

The dispatcher that runs them in MMEngine's order is
:class:`mmlightning.lightning.HookDispatcher`.
"""
from .hook import Hook
from .param_scheduler_hook import ParamSchedulerHook
from .priority import Priority, get_priority
from .sampler_seed_hook import DistSamplerSeedHook

__all__ = ['DistSamplerSeedHook', 'Hook', 'ParamSchedulerHook', 'Priority', 'get_priority']
