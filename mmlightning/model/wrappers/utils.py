"""Model-wrapper detection."""
from __future__ import annotations

from torch import nn

from mmlightning.registry import MODEL_WRAPPERS, Registry


def is_model_wrapper(model: nn.Module, registry: Registry = MODEL_WRAPPERS) -> bool:
    """Whether ``model`` is a model wrapper (holds the real model as ``.module``).

    True for instances of anything registered in ``registry`` or its child
    registries: torch's ``DistributedDataParallel`` and ``DataParallel`` and
    their subclasses, and the wrappers other packages register.

    Args:
        model: The module to check.
        registry: The registry of wrapper classes to search.

    Returns:
        bool: True if ``model`` is a model wrapper.
    """
    wrappers = tuple(cls for cls in registry.module_dict.values() if isinstance(cls, type))
    if wrappers and isinstance(model, wrappers):
        return True
    return any(is_model_wrapper(model, child) for child in registry.children.values())
