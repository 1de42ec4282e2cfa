"""The optimizers ``OPTIMIZERS`` holds besides the model's own: torch's and optional packages'.

Each ``*_OPTIMIZERS`` list names what this import registered, as in MMEngine's
``optim/optimizer/builder.py``. A package that is not installed registers nothing.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable

import torch

from mmlightning.registry import OPTIMIZERS


def _is_optimizer_class(obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)


def _register(name: str, optimizer: type) -> str:
    """Register ``optimizer`` under ``name`` unless that exact class is already there."""
    if OPTIMIZERS.module_dict.get(name) is not optimizer:
        OPTIMIZERS.register_module(name=name, module=optimizer)
    return name


def register_torch_optimizers() -> list[str]:
    """Register every ``torch.optim`` optimizer, the ``Optimizer`` base class included.

    ``torch.optim.Adafactor`` is registered as ``TorchAdafactor`` (``Adafactor``
    is transformers'). The registry's lazy torch import registers the others.

    Returns:
        The names of ``torch.optim`` these classes have there (``'Adafactor'``
        for ``TorchAdafactor``), as MMEngine lists them.
    """
    names = []
    for name in dir(torch.optim):
        optimizer = getattr(torch.optim, name)
        if not name.startswith('__') and _is_optimizer_class(optimizer):
            _register('TorchAdafactor' if name == 'Adafactor' else name, optimizer)
            names.append(name)
    return names


def _import(module: str) -> object | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _register_from(module_name: str, names: Iterable[str] | None = None,
                   prefix_clashes: str = '') -> list[str]:
    """Register the optimizer classes of ``module_name`` (all of them when ``names`` is None).

    Args:
        module_name: The module to import; nothing is registered if it is missing.
        names: The attributes to register.
        prefix_clashes: Prefix for a name already taken by another class (``'bnb_'``).

    Returns:
        The names registered.
    """
    module = _import(module_name)
    if module is None:
        return []
    if names is None:
        names = [name for name, obj in inspect.getmembers(module, _is_optimizer_class)]
    registered = []
    for name in names:
        optimizer = getattr(module, name, None)
        if not _is_optimizer_class(optimizer):
            continue
        existing = OPTIMIZERS.module_dict.get(name)
        if prefix_clashes and existing is not None and existing is not optimizer:
            name = f'{prefix_clashes}{name}'
        registered.append(_register(name, optimizer))
    return registered


def register_dadaptation_optimizers() -> list[str]:
    """Register dadaptation's ``DAdaptAdaGrad``, ``DAdaptAdam``, ``DAdaptSGD`` if installed."""
    return _register_from('dadaptation', ['DAdaptAdaGrad', 'DAdaptAdam', 'DAdaptSGD'])


def register_lion_optimizers() -> list[str]:
    """Register lion-pytorch's ``Lion`` when it is installed."""
    return _register_from('lion_pytorch', ['Lion'])


def register_sophia_optimizers() -> list[str]:
    """Register the optimizers of the ``Sophia`` package when it is installed."""
    return _register_from('Sophia')


def register_bitsandbytes_optimizers() -> list[str]:
    """Register ``bitsandbytes.optim``'s optimizers when installed; ``bnb_`` prefixes clashes.

    ``bitsandbytes.optim.Adagrad`` becomes ``bnb_Adagrad``, as in MMEngine.
    """
    return _register_from('bitsandbytes.optim', prefix_clashes='bnb_')


def register_transformers_optimizers() -> list[str]:
    """Register transformers' ``Adafactor`` when transformers is installed."""
    return _register_from('transformers', ['Adafactor'])


TORCH_OPTIMIZERS = register_torch_optimizers()
DADAPTATION_OPTIMIZERS = register_dadaptation_optimizers()
LION_OPTIMIZERS = register_lion_optimizers()
SOPHIA_OPTIMIZERS = register_sophia_optimizers()
BITSANDBYTES_OPTIMIZERS = register_bitsandbytes_optimizers()
TRANSFORMERS_OPTIMIZERS = register_transformers_optimizers()
