"""Writing MMEngine-format checkpoints and finding the latest one (``mmengine.runner.checkpoint``).

The Runner's own checkpoints are Lightning ``.ckpt`` files (``CheckpointHook``); these are
MMEngine's free functions for code that writes a ``.pth`` itself.
"""
from __future__ import annotations

import io
import logging
from collections import OrderedDict

import torch
from torch import nn

from mmlightning import fileio
from mmlightning.logging import print_log
from mmlightning.model.wrappers.utils import is_model_wrapper
from mmlightning.utils.misc import apply_to


def weights_to_cpu(state_dict: OrderedDict) -> OrderedDict:
    """A copy of ``state_dict`` with every tensor on the CPU (its ``_metadata`` kept)."""
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    state_dict = apply_to(state_dict, lambda x: hasattr(x, 'cpu'), lambda x: x.cpu())
    state_dict._metadata = metadata
    return state_dict


def get_state_dict(module: nn.Module, destination: OrderedDict | None = None, prefix: str = '',
                   keep_vars: bool = False) -> OrderedDict:
    """``module.state_dict()`` with model wrappers (DDP, ...) unwrapped at every depth.

    So the keys of ``nn.Sequential(DDP(net))`` have no ``module.`` part.

    Args:
        module: The module.
        destination: The dict to fill; a new ``OrderedDict`` by default.
        prefix: Prefix of the keys.
        keep_vars: Keep the tensors attached to autograd.

    Returns:
        The state dict (parameters and persistent buffers, with ``_metadata``).
    """
    if is_model_wrapper(module):
        module = module.module
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    destination._metadata[prefix[:-1]] = local_metadata = dict(version=module._version)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, f'{prefix}{name}.', keep_vars=keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


def save_checkpoint(checkpoint: dict, filename: str, file_client_args: dict | None = None,
                    backend_args: dict | None = None) -> None:
    """Write ``checkpoint`` with ``torch.save`` to ``filename``, a local path or any fsspec URL.

    Local files are written atomically (a temporary file, then a rename).

    Args:
        checkpoint: What to save (``dict(state_dict=..., meta=..., optimizer=...)``).
        filename: Where to write it.
        file_client_args: Deprecated in MMEngine; ignored with a warning.
        backend_args: ``dict(storage_options={...})`` for the fsspec filesystem of a URL.

    Raises:
        ValueError: If both ``file_client_args`` and ``backend_args`` are set, or
            ``filename`` is a ``pavi://`` URL (PAVI is not supported).
    """
    if file_client_args is not None:
        print_log('"file_client_args" will be deprecated in future. Please use "backend_args" '
                  'instead; save_checkpoint ignores file_client_args (files are written '
                  'through fsspec)', logger='current', level=logging.WARNING)
        if backend_args is not None:
            raise ValueError('"file_client_args" and "backend_args" cannot be set at the same '
                             'time.')
    if str(filename).startswith('pavi://'):
        raise ValueError(f'save_checkpoint: {filename!r}: pavi:// is not supported; write to a '
                         'local path or an fsspec URL')
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    fileio.put(buffer.getvalue(), filename, backend_args=backend_args)


def find_latest_checkpoint(path: str) -> str | None:
    """The checkpoint named in ``<path>/last_checkpoint`` (written by ``CheckpointHook``).

    Args:
        path: The work_dir, a local folder or an fsspec URL.

    Returns:
        The path written in ``last_checkpoint``, or None (logged) when there is none.
    """
    marker = fileio.join_path(path, 'last_checkpoint')
    if not fileio.isfile(marker):
        print_log(f'Did not find last_checkpoint to be resumed ({marker} does not exist).',
                  logger='current')
        return None
    return fileio.get_text(marker).strip() or None
