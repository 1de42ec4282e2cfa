"""The random number generators' states, as checkpoint-safe values.

Lightning does not checkpoint the RNGs, so a model with dropout does not
resume exactly; MMEngine does not either. The states are stored as tensors,
ints and strings only, so checkpoints still load with ``weights_only=True``.
"""
from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def capture_rng_state() -> dict[str, Any]:
    """The states of Python's, NumPy's and torch's (CPU and CUDA) generators."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = dict(
        python=random.getstate(), torch=torch.get_rng_state(),
        numpy=dict(name=name, keys=torch.from_numpy(keys.astype(np.int64)), position=position,
                   has_gauss=has_gauss, cached=cached))
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Set the generators back to a state from :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state['torch'])
    saved = state['numpy']
    np.random.set_state((saved['name'], saved['keys'].numpy().astype(np.uint32),
                         saved['position'], saved['has_gauss'], saved['cached']))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
