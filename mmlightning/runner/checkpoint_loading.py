"""Loading weights for ``load_from`` (Lightning ``.ckpt`` and MMEngine ``.pth`` files)."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from torch import nn

from .checkpoint import DEFAULT_REVISE_KEYS, load_checkpoint

logger = logging.getLogger('mmlightning')


def load_weights(model: nn.Module, filename: str, strict: bool = False,
                 revise_keys: Sequence[tuple[str, str]] = DEFAULT_REVISE_KEYS) -> None:
    """Load the weights of ``filename`` into ``model`` (see :func:`.checkpoint.load_checkpoint`).

    A Lightning checkpoint's keys lose the module's ``model.`` prefix; mismatches are
    logged to the ``mmlightning`` logger.

    Args:
        model: The ``BaseModel`` to load into.
        filename: A Lightning ``.ckpt`` or an MMEngine ``.pth``/plain state dict (a
            local path or a URL).
        strict: Fail on missing or unexpected keys (else they are logged).
        revise_keys: ``(pattern, replacement)`` pairs applied to every key.

    Raises:
        FileNotFoundError: If the file does not exist.
        RuntimeError: With ``strict``, if keys do not match.
    """
    load_checkpoint(model, filename, map_location='cpu', strict=strict, logger=logger,
                    revise_keys=revise_keys)
