"""Builds the module that stands in for mmcv's compiled ``mmcv._ext``.

Each op family is one module of this package whose ``__all__`` lists the ``mmcv._ext`` kernels it
implements, with mmcv 2.1.0's calling conventions (positional and keyword arguments, outputs written
in place into tensors the wrapper allocated). Every other name of :data:`EXT_NAMES` is a placeholder
from :func:`not_implemented`.
"""

from __future__ import annotations

import importlib
from importlib.machinery import ModuleSpec
from types import ModuleType

from mmlightning.ops.missing import not_implemented
from mmlightning.ops.names import EXT_NAMES

#: The op-family modules of ``mmlightning.ops`` that hold kernels.
FAMILIES: tuple[str, ...] = (
    'info',
    'bbox',
    'box_iou_rotated',
    'nms',
    'roi_align',
    'roi_pool',
    'focal_loss',
    'roi_align_rotated',
    'border_align', 'carafe', 'deform_conv', 'deform_roi_pool', 'masked_conv',
    'modulated_deform_conv', 'multi_scale_deform_attn', 'psa_mask', 'sync_bn', 'tin_shift',
)


def implemented_kernels() -> dict[str, object]:
    """Maps each implemented ``mmcv._ext`` name to its torch kernel."""
    kernels: dict[str, object] = {}
    for family in FAMILIES:
        module = importlib.import_module(f'mmlightning.ops.{family}')
        for name in module.__all__:
            if name not in EXT_NAMES:
                raise RuntimeError(f'mmlightning.ops.{family} exports {name!r}, which is not a '
                                   'kernel name of mmcv._ext')
            kernels[name] = getattr(module, name)
    return kernels


def build_extension() -> ModuleType:
    """Creates a fresh ``mmcv._ext`` module with every name mmcv 2.1.0's wrappers load."""
    module = ModuleType('mmcv._ext', 'mmcv kernels written in torch by mmlightning.ops.')
    # importlib.util.find_spec('mmcv._ext') (how MMEngine asks whether mmcv is compiled) reads it
    module.__spec__ = ModuleSpec('mmcv._ext', loader=None, origin='mmlightning.ops')
    kernels = implemented_kernels()
    for name in EXT_NAMES:
        setattr(module, name, kernels.get(name) or not_implemented(name))
    module.__mmlightning__ = True  # type: ignore[attr-defined]
    return module


def is_mmlightning_extension(module: ModuleType) -> bool:
    """Whether ``module`` was built by :func:`build_extension` (not a compiled mmcv)."""
    return bool(getattr(module, '__mmlightning__', False))
