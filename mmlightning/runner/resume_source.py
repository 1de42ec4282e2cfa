"""``Runner(resume=...)`` from an MMEngine ``.pth``: checked against the config, converted.

``trainer.fit(ckpt_path=...)`` reads Lightning checkpoints only. A checkpoint without
Lightning's version key (one MMEngine's Runner wrote, or ``mmlightning convert-ckpt``)
is checked against the run's config (the number of optimizers and of parameter
schedulers), converted by :func:`~.checkpoint_import.mmengine_to_lightning` with the
run's data position, and written as ``<work_dir>/resume_from_<name>.ckpt``.

The data position: an epoch-based checkpoint resumes at the start of epoch
``meta.epoch`` (MMEngine's ``EpochBasedTrainLoop`` does the same). An iteration-based
one resumes where MMEngine's ``IterBasedTrainLoop`` does after skipping ``meta.iter``
batches, without replaying them: the train sampler's position is set instead. That
needs the train loader (its length, its sampler's seed), known before the processes
start only in a single-process run: under several processes the sampler starts from
its beginning (with a warning).
"""
from __future__ import annotations

import logging
import os.path as osp
from collections.abc import Mapping
from typing import Any

import torch

from mmlightning.lightning.datamodule import _stateful_sampler
from mmlightning.lightning.train_loop_spec import as_list
from mmlightning.model.checkpoint import allow_checkpoint_globals
from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.utils.errors import add_note

from .checkpoint import _load_checkpoint
from .checkpoint_convert import save_atomic
from .checkpoint_import import (
    check_resumable,
    is_lightning_checkpoint,
    is_single_optimizer_state,
    iteration_position,
    mmengine_to_lightning,
)

logger = logging.getLogger('mmlightning')


def _peek(path: str) -> Any:
    """Load ``path`` safely; a local file memory-mapped, as Lightning loads it again."""
    try:
        if osp.isfile(path):
            try:
                with allow_checkpoint_globals():
                    return torch.load(path, map_location='cpu', weights_only=True, mmap=True)
            except RuntimeError:  # not a zip-format file: no mmap; load it normally
                pass
        return _load_checkpoint(path, 'cpu', 'silent')
    except Exception as error:
        add_note(error, f'while reading the checkpoint to resume, {path}')
        raise


def config_optimizer_names(cfg: Any) -> list[str] | None:
    """The names of the optimizers an ``optim_wrapper`` config builds.

    Returns:
        ``[]`` for one optimizer, the names (in the config's order) for several, or
        ``None`` if the config does not tell (a custom constructor).
    """
    if isinstance(cfg, OptimWrapperDict):
        return list(cfg.keys())
    if isinstance(cfg, OptimWrapper) or (isinstance(cfg, Mapping) and 'optimizer' in cfg):
        return []
    if not isinstance(cfg, Mapping):
        return None
    names = [name for name, child in cfg.items() if name not in ('constructor', 'paramwise_cfg')
             and isinstance(child, (Mapping, OptimWrapper))]
    return names or None


def _optimizers(names: list[str]) -> str:
    return f'{len(names)} optimizers {names}' if names else 'one optimizer'


def _scheduler_counts(schedulers: Any, names: list[str]) -> int | dict[str, int]:
    """How many schedulers each optimizer has (a config, or a checkpoint's states)."""
    if not names:
        return len(as_list(schedulers))
    per_name = isinstance(schedulers, Mapping) and 'type' not in schedulers
    return {name: len(as_list(schedulers.get(name) if per_name else schedulers))
            for name in names}


def _check_against_config(checkpoint: dict[str, Any], runner: Any, path: str) -> list | None:
    """Check the optimizers and schedulers of ``checkpoint`` against the run's config.

    A checkpoint with schedulers for a config without them loses them (with a warning),
    as in MMEngine.

    Returns:
        The optimizer names in the config's order (``None`` for one, or if unknown).

    Raises:
        ValueError: If the numbers of optimizers or schedulers differ.
    """
    names = config_optimizer_names(runner.module.optim_wrapper_cfg)
    optimizer = checkpoint.get('optimizer')
    saved = [] if is_single_optimizer_state(optimizer) else list(optimizer or {})
    if names is not None and optimizer and len(saved) != len(names):
        raise ValueError(
            f'{path} holds the state of {_optimizers(saved)}, the optim_wrapper config builds '
            f'{_optimizers(names)}: resume with the optim_wrapper config the checkpoint was '
            'saved with, or use load_from for its weights only')
    config = runner.module.param_schedulers.cfg
    states = checkpoint.get('param_schedulers')
    if config is None and states:
        logger.warning('%s holds parameter scheduler states but the config has no '
                       'param_scheduler: they are not resumed (as in MMEngine)', path)
        checkpoint.pop('param_schedulers')
    elif config is not None and states is None:
        logger.warning('%s holds no parameter scheduler states: the schedulers start from '
                       'their beginning (as in MMEngine)', path)
    elif config is not None and names is not None:
        expected, got = _scheduler_counts(config, names), _scheduler_counts(states, names)
        if expected != got:
            raise ValueError(
                f'{path} holds {got} parameter scheduler state(s), the param_scheduler config '
                f'builds {expected}: resume with the param_scheduler config the checkpoint '
                'was saved with')
    return names or None


def _data_position(runner: Any, iteration: int) -> tuple[int | None, dict | None]:
    """``(epoch_length, train_sampler_state)`` for an iteration-based resume (see above)."""
    processes = runner.trainer.world_size
    if processes > 1:
        logger.warning('resuming an iteration-based MMEngine checkpoint under %d processes: the '
                       "train sampler's position is not restored (the loader's length is known "
                       'only once the processes run), so its data starts from the beginning '
                       'instead of after the %d batches MMEngine would skip', processes, iteration)
        return None, None
    loader = runner.datamodule.train_dataloader()  # built once: fit uses this one
    sampler = _stateful_sampler(loader)
    batch_size = getattr(loader, 'batch_size', None)
    if sampler is None or batch_size is None:
        logger.warning('the train dataloader has no resumable sampler (or a batch_sampler): '
                       'its data starts from the beginning instead of after the %d batches '
                       'MMEngine would skip', iteration)
        return None, None
    epoch, batch = iteration_position(iteration, len(loader))
    state = sampler.state_dict()
    if 'epoch' in state:  # DefaultSampler: a position in its epoch
        return len(loader), dict(state, epoch=epoch, num_yielded=batch * batch_size)
    return len(loader), dict(state, num_yielded=iteration * batch_size)  # InfiniteSampler


def lightning_resume_path(path: str | None, runner: Any) -> str | None:
    """The checkpoint the runner's ``trainer.fit(ckpt_path=...)`` resumes from.

    Args:
        path: The checkpoint to resume (``resume``, or ``last_checkpoint``'s path).
        runner: The :class:`~mmlightning.runner.Runner` about to train.

    Returns:
        ``path`` if it is a Lightning checkpoint (or ``None``, a folder: a sharded
        checkpoint, or a URL ending in ``.ckpt``: not downloaded to look), else the Lightning
        checkpoint converted from it, ``<work_dir>/resume_from_<name>.ckpt`` (in the
        local mirror of a URL ``work_dir``).

    Raises:
        ValueError: If ``path`` is not resumable (weights only, no optimizer) or does
            not match the config's optimizers and schedulers.
    """
    if path is None or osp.isdir(path) or ('://' in path and path.rstrip('/').endswith('.ckpt')):
        return path  # a sharded checkpoint is a folder; a remote .ckpt is not downloaded twice
    checkpoint = _peek(path)
    if is_lightning_checkpoint(checkpoint):
        return path
    check_resumable(checkpoint, path)
    names = _check_against_config(checkpoint, runner, path)
    epoch_length, sampler = None, None
    loop, meta = runner.module.train_loop, checkpoint['meta']
    if loop is not None and not loop.by_epoch:
        epoch_length, sampler = _data_position(runner, int(meta['iter']))
    converted = mmengine_to_lightning(checkpoint, epoch_length=epoch_length,
                                      train_sampler=sampler, optimizer_names=names,
                                      source=path)
    name = osp.splitext(osp.basename(path.rstrip('/')))[0]
    out = osp.join(runner._work_dir_info.local, f'resume_from_{name}.ckpt')
    save_atomic(converted, out)
    runner.logger.info('resuming from %s, an MMEngine checkpoint (epoch %d, iter %d): '
                       'converted to the Lightning checkpoint %s', path, meta['epoch'],
                       meta['iter'], out)
    return out
