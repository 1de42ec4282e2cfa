"""``scale_lr``: MMEngine's linear learning-rate scaling rule (``auto_scale_lr``)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .optimizer_wrapper import OptimWrapper
from .optimizer_wrapper_dict import OptimWrapperDict

logger = logging.getLogger('mmlightning')


def scale_lr(optim_wrapper: OptimWrapper, auto_scale_lr: Mapping[str, Any] | None,
             real_batch_size: int) -> float | None:
    """Scale the lr of every param group by ``real_batch_size / base_batch_size``.

    MMEngine's ``Runner.scale_lr`` (linear scaling rule of Goyal et al.,
    https://arxiv.org/abs/1706.02677): it runs after the optimizer wrapper is
    built and before the parameter schedulers (which record the initial lr).
    As in MMEngine, only the optimizer's groups are scaled, not the fake
    ``base_param_settings`` group, so ``get_lr()['base_lr']`` stays unscaled.

    Args:
        optim_wrapper: The built wrapper (an :class:`OptimWrapperDict` scales
            all its wrappers).
        auto_scale_lr: ``dict(enable=bool, base_batch_size=int)``; nothing
            happens when it is ``None`` or ``enable`` is false.
        real_batch_size: The total batch size of one step: the dataloader's
            batch size times the number of processes (world size).

    Returns:
        The ratio applied, or ``None`` when scaling is disabled.

    Raises:
        KeyError: If ``auto_scale_lr`` is enabled without ``base_batch_size``.
        ValueError: If a batch size is not positive.
        TypeError: If ``optim_wrapper`` is not an :class:`OptimWrapper`.
    """
    if auto_scale_lr is None or not auto_scale_lr.get('enable', False):
        return None
    if 'base_batch_size' not in auto_scale_lr:
        raise KeyError('auto_scale_lr is enabled but has no base_batch_size: set '
                       'auto_scale_lr=dict(enable=True, base_batch_size=<the batch size the '
                       'lr was tuned for>).')
    base_batch_size = auto_scale_lr['base_batch_size']
    if base_batch_size <= 0 or real_batch_size <= 0:
        raise ValueError(f'batch sizes must be positive, got auto_scale_lr.base_batch_size='
                         f'{base_batch_size} and real_batch_size={real_batch_size}')
    if not isinstance(optim_wrapper, OptimWrapper):
        raise TypeError('scale_lr needs the built OptimWrapper (call it after '
                        f'build_optim_wrapper), got {type(optim_wrapper).__name__}')
    ratio = float(real_batch_size) / float(base_batch_size)
    logger.info(f'LR is set based on batch size of {base_batch_size} and the current batch '
                f'size is {real_batch_size}. Scaling the original LR by {ratio}.')
    wrappers = list(optim_wrapper.values()) if isinstance(optim_wrapper, OptimWrapperDict) \
        else [optim_wrapper]
    for wrapper in wrappers:
        for group in wrapper.optimizer.param_groups:
            group['lr'] = group['lr'] * ratio
    return ratio
