"""Translate an MMEngine config into ``lightning.Trainer`` keyword arguments.

``train_cfg`` decides the length (``max_epochs``, or unbounded with the module
stopping after ``max_iters`` batches), ``optim_wrapper`` the precision
(``AmpOptimWrapper``), ``launcher``/``env_cfg`` the strategy, ``randomness``
determinism, ``work_dir`` the root folder, ``sync_bn`` SyncBatchNorm. A
``trainer=dict(...)`` entry passes any Trainer argument straight through and
wins over the translation.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from .launcher_env import launched_layout, process_group_backend
from .train_loop_spec import TrainLoopSpec

#: Defaults that MMEngine semantics need, whatever the config says.
MMENGINE_DEFAULTS: dict[str, Any] = dict(
    num_sanity_val_steps=0,          # MMEngine never validates before training
    use_distributed_sampler=False,   # DefaultSampler shards by rank itself
    logger=False,                    # loggers come from the visualizer config
    enable_checkpointing=False,      # checkpoints come from CheckpointHook
    enable_model_summary=False,
)
_PRECISIONS = {None: '16-mixed', 'float16': '16-mixed', 'half': '16-mixed',
               'bfloat16': 'bf16-mixed'}
_LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def precision_of(optim_wrapper: Any) -> str | None:
    """The Lightning precision an ``optim_wrapper`` config asks for (``None``: full precision).

    ``AmpOptimWrapper`` maps to ``'16-mixed'`` (``dtype`` float16 or unset) or
    ``'bf16-mixed'``; an ``OptimWrapperDict`` config to its children's common precision.

    Raises:
        ValueError: On an unknown ``dtype``, or children asking for different precisions.
    """
    if not isinstance(optim_wrapper, Mapping):
        return None
    wrapper_type = optim_wrapper.get('type')
    if getattr(wrapper_type, '__name__', wrapper_type) == 'AmpOptimWrapper':
        dtype = optim_wrapper.get('dtype')
        dtype = None if dtype is None else str(dtype).removeprefix('torch.')
        if dtype not in _PRECISIONS:
            raise ValueError(f"optim_wrapper.dtype={optim_wrapper.get('dtype')!r} has no Lightning "
                             "precision; use 'float16' or 'bfloat16'")
        return _PRECISIONS[dtype]
    if 'optimizer' not in optim_wrapper and 'constructor' not in optim_wrapper:
        children = {precision_of(child) for child in optim_wrapper.values()
                    if isinstance(child, Mapping)}
        if len(children) > 1:
            raise ValueError(f'the optimizers of optim_wrapper ask for different precisions '
                             f'{sorted(map(str, children))}; Lightning runs one precision')
        return children.pop() if children else None
    return None


def _length_args(train_cfg: Mapping[str, Any] | None) -> dict[str, Any]:
    if not train_cfg:
        return {}
    spec = TrainLoopSpec.from_cfg(train_cfg)
    if spec.by_epoch:
        return dict(max_epochs=spec.max_epochs, max_steps=-1)
    return dict(max_epochs=-1, max_steps=-1)  # the module stops after max_iters batches


def _ddp_options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The ``DistributedDataParallel`` arguments MMEngine's ``Runner.wrap_model`` uses.

    Without ``model_wrapper_cfg``: ``broadcast_buffers=False`` and the config's
    ``find_unused_parameters`` (default ``False``); with it, its keys (DDP's arguments).

    Raises:
        ValueError: For another wrapper type or a key DDP does not take.
    """
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None:
        return dict(broadcast_buffers=False,
                    find_unused_parameters=bool(cfg.get('find_unused_parameters', False)))
    options = dict(wrapper)
    wrapper_type = options.pop('type', 'MMDistributedDataParallel')
    if wrapper_type not in ('MMDistributedDataParallel', 'DistributedDataParallel'):
        raise ValueError(f'model_wrapper_cfg.type={wrapper_type!r}: under Lightning the strategy '
                         'wraps the model; MMDistributedDataParallel (DDPStrategy) is read here, '
                         "for FSDP or others pass trainer=dict(strategy=...)")
    import inspect

    from torch.nn.parallel import DistributedDataParallel

    accepted = set(inspect.signature(DistributedDataParallel).parameters) - {'module'}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(f'model_wrapper_cfg has keys DistributedDataParallel does not take: '
                         f'{unknown}; it takes {sorted(accepted)}')
    return options


def _launcher_args(launcher: str, env_cfg: Mapping[str, Any],
                   ddp_options: Mapping[str, Any]) -> dict[str, Any]:
    if launcher not in _LAUNCHERS:
        raise ValueError(f'launcher={launcher!r} is not one of {_LAUNCHERS}')
    args: dict[str, Any] = {}
    if launcher != 'none':
        from lightning.pytorch.strategies import DDPStrategy

        args['strategy'] = DDPStrategy(process_group_backend=process_group_backend(env_cfg),
                                       **ddp_options)
        args['devices'] = 'auto'
        args.update(launched_layout(launcher, os.environ))
    else:
        args['devices'] = 1
    if env_cfg.get('cudnn_benchmark'):
        args['benchmark'] = True
    return args


def interactive_session() -> bool:
    """Whether a person watches the output: a terminal, or a Jupyter kernel (notebooks)."""
    if sys.stdout.isatty():
        return True
    ipython = sys.modules.get('IPython')
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and 'IPKernelApp' in getattr(shell, 'config', {})


def trainer_kwargs(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Trainer keyword arguments for an MMEngine-style config.

    Args:
        cfg: The config (top-level keys ``train_cfg``, ``optim_wrapper``,
            ``launcher``, ``env_cfg``, ``randomness``, ``work_dir``, ``sync_bn``,
            ``model_wrapper_cfg``, ``find_unused_parameters``, ``trainer``).

    Returns:
        The keyword arguments; ``trainer=dict(...)`` entries override the rest.
    """
    kwargs: dict[str, Any] = dict(MMENGINE_DEFAULTS)
    # A progress bar for people (terminal, notebook); log lines alone in batch jobs.
    kwargs['enable_progress_bar'] = interactive_session()
    kwargs.update(_length_args(cfg.get('train_cfg')))
    kwargs.update(_launcher_args(cfg.get('launcher', 'none'), cfg.get('env_cfg') or {},
                                 _ddp_options(cfg)))
    precision = precision_of(cfg.get('optim_wrapper'))
    if precision is not None:
        kwargs['precision'] = precision
    randomness = cfg.get('randomness') or {}
    if randomness.get('deterministic'):
        kwargs['deterministic'] = True
    if cfg.get('work_dir') is not None:
        kwargs['default_root_dir'] = str(cfg['work_dir'])
    if cfg.get('sync_bn') is not None:
        if cfg['sync_bn'] != 'torch':
            raise ValueError(f"sync_bn={cfg['sync_bn']!r}: only 'torch' is supported")
        kwargs['sync_batchnorm'] = True
    kwargs.update(dict(cfg.get('trainer') or {}))
    return kwargs
