"""The message hub's resumed state in a form checkpoints load with ``weights_only=True``.

MMEngine saves ``message_hub.state_dict()`` (``HistoryBuffer`` objects and
runtime information) in checkpoints and loads it on resume. Lightning loads
``ckpt_path`` with torch's default ``weights_only=True``, which refuses custom
classes, so the buffers are stored as tensors and the runtime information
keeps only plain values.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from mmlightning.logging import HistoryBuffer, MessageHub

_PLAIN = (bool, int, float, str, type(None), torch.Tensor)


def _python_scalars(value: Any) -> Any:
    """``value`` with numpy scalars (metrics, ``eta``) made Python numbers, in lists and dicts.

    ``np.float64`` passes for a ``float`` but pickles as a numpy object, which a
    ``weights_only`` load refuses.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [_python_scalars(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {key: _python_scalars(item) for key, item in value.items()}
    return value


def _is_plain(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``values`` a ``weights_only`` load accepts (numpy scalars as numbers)."""
    return {key: value for key, value in _python_scalars(dict(values)).items()
            if _is_plain(value)}


def hub_to_checkpoint(hub: MessageHub) -> dict[str, Any]:
    """``hub.state_dict()`` with buffers as tensors and non-plain information left out."""
    state = hub.state_dict()
    scalars = {}
    for key, buffer in state['log_scalars'].items():
        values, counts = buffer.data
        scalars[key] = dict(log_history=torch.as_tensor(values, dtype=torch.float64),
                            count_history=torch.as_tensor(counts, dtype=torch.float64),
                            max_length=int(buffer.max_length))
    info = plain_values(state['runtime_info'])
    resumed = {key: bool(flag) for key, flag in state['resumed_keys'].items()
               if key in scalars or key in info}
    return dict(log_scalars=scalars, runtime_info=info, resumed_keys=resumed)


def hub_from_checkpoint(hub: MessageHub, state: Mapping[str, Any]) -> None:
    """Load a state written by :func:`hub_to_checkpoint` into ``hub``."""
    scalars = {key: HistoryBuffer(saved['log_history'].tolist(),
                                  saved['count_history'].tolist(), saved['max_length'])
               for key, saved in state['log_scalars'].items()}
    hub.load_state_dict(dict(log_scalars=scalars, runtime_info=dict(state['runtime_info']),
                             resumed_keys=dict(state['resumed_keys'])))
