"""Loading a state dict into a model by MMEngine's rules (``mmengine.runner.load_state_dict``).

It lives in the model package so that both :class:`~mmlightning.model.weight_init.PretrainedInit`
and :mod:`mmlightning.runner.checkpoint` (which re-exports it) use the one implementation.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from torch import nn

from mmlightning.dist import get_dist_info
from mmlightning.logging import print_log

Logger = logging.Logger | str | None


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


def load_state_dict(module: nn.Module, state_dict: Mapping[str, Any], strict: bool = False,
                    logger: Logger = None, report: Callable[..., None] = print_log) -> None:
    """Load ``state_dict`` into ``module``, reporting every mismatch (MMEngine's rules).

    Unlike :meth:`torch.nn.Module.load_state_dict`, tensors whose shape differs are
    skipped and reported (not raised) unless ``strict``; model wrappers (DDP, ...) are
    unwrapped at every level; missing ``num_batches_tracked`` buffers are not reported.
    Only rank 0 reports.

    Args:
        module: The module to load into.
        state_dict: The weights.
        strict: Raise instead of logging when keys or shapes do not match.
        logger: Where the mismatch report goes (see :func:`print_log`; ``None`` prints).
        report: The function writing the report (``print_log``'s signature).

    Raises:
        RuntimeError: With ``strict``, if keys or shapes do not match.
    """
    from mmlightning.model.wrappers import is_model_wrapper

    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []
    metadata = getattr(state_dict, '_metadata', None)

    def load(mod: nn.Module, local: dict[str, Any], prefix: str = '') -> None:
        if is_model_wrapper(mod):
            mod = mod.module
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        mod._load_from_state_dict(local, prefix, local_metadata, True, missing, unexpected,
                                  errors)
        for name, child in mod._modules.items():
            if child is not None:
                child_prefix = f'{prefix}{name}.'
                load(child, {k: v for k, v in local.items() if k.startswith(child_prefix)},
                     child_prefix)
        for hook in mod._load_state_dict_post_hooks.values():
            hook(mod, _IncompatibleKeys(missing, unexpected))

    load(module, dict(state_dict))
    missing = [key for key in missing if 'num_batches_tracked' not in key]
    if unexpected:
        errors.append(f'unexpected key in source state_dict: {", ".join(unexpected)}\n')
    if missing:
        errors.append(f'missing keys in source state_dict: {", ".join(missing)}\n')
    if not errors or get_dist_info()[0] != 0:
        return
    message = '\n'.join(['The model and loaded state dict do not match exactly\n', *errors])
    if strict:
        raise RuntimeError(message)
    report(message, logger=logger, level=logging.WARNING)
