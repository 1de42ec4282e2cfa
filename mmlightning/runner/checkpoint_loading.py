"""Loading weights for ``load_from`` (Lightning ``.ckpt`` and MMEngine ``.pth`` files)."""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import torch
from torch import nn

logger = logging.getLogger('mmlightning')

#: Prefixes stripped from checkpoint keys: DDP's ``module.``, and ``model.`` of a
#: Lightning checkpoint of an :class:`MMLightningModule`.
DEFAULT_REVISE_KEYS = ((r'^module\.', ''),)


def load_weights(model: nn.Module, filename: str, strict: bool = False,
                 revise_keys: Sequence[tuple[str, str]] = DEFAULT_REVISE_KEYS) -> None:
    """Load the weights of ``filename`` into ``model`` (``torch.load(weights_only=True)``).

    Args:
        model: The ``BaseModel`` to load into.
        filename: A Lightning ``.ckpt`` or an MMEngine ``.pth``/plain state dict.
        strict: Fail on missing or unexpected keys (else they are logged).
        revise_keys: ``(pattern, replacement)`` pairs applied to every key.

    Raises:
        FileNotFoundError: If the file does not exist.
        RuntimeError: With ``strict``, if keys do not match.
    """
    checkpoint = torch.load(filename, map_location='cpu', weights_only=True)
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else checkpoint
    lightning_keys = 'pytorch-lightning_version' in checkpoint
    revised = {}
    for key, value in state.items():
        if lightning_keys:
            key = key.removeprefix('model.')
        for pattern, replacement in revise_keys:
            key = re.sub(pattern, replacement, key)
        revised[key] = value
    result = model.load_state_dict(revised, strict=strict)
    if result.missing_keys:
        logger.warning('load_from %s: missing keys in the checkpoint: %s', filename,
                       ', '.join(result.missing_keys))
    if result.unexpected_keys:
        logger.warning('load_from %s: unexpected keys in the checkpoint: %s', filename,
                       ', '.join(result.unexpected_keys))
