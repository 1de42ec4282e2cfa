"""torchvision's Python parts without its compiled ops, when they do not load with this torch.

A torchvision wheel is built for one torch build (PyPI's ``torchvision==0.28.0`` for PyPI's CUDA
``torch==2.13.0``). Beside another build of the same torch (the CPU one), its ``_C`` extension
does not load and ``import torchvision`` fails while registering fake kernels for
``torchvision::nms``, an operator that then does not exist: transforms, ``box_iou`` and the rest,
which are plain Python, become unusable with it. mmpretrain imports torchvision at import time.

:func:`prepare_torchvision` defines the schemas of the two operators torchvision registers
without its extension (``nms``, ``qnms``), so that it imports. Its compiled operators still
raise torchvision's own "Couldn't load custom C++ ops" error when called.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

logger = logging.getLogger('mmlightning')

#: The operators ``torchvision/_meta_registrations.py`` registers even without ``_C``.
SCHEMAS = ('nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
           'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')

_library = None  # the torch.library.Library holding the schemas (kept alive)


def _drop_partial_import() -> None:
    for name in [n for n in sys.modules if n == 'torchvision' or n.startswith('torchvision.')]:
        del sys.modules[name]


def prepare_torchvision() -> bool:
    """Make ``import torchvision`` work beside a torch its extension was not built for.

    Nothing happens when torchvision is not installed, already imported, or imports.

    Returns:
        Whether the operator schemas had to be defined.

    Raises:
        RuntimeError: When importing torchvision fails for another reason.
    """
    global _library
    if importlib.util.find_spec('torchvision') is None or 'torchvision' in sys.modules:
        return False
    try:
        importlib.import_module('torchvision')
        return False
    except RuntimeError as error:
        if 'torchvision::' not in str(error):
            raise
    _drop_partial_import()
    import torch

    _library = torch.library.Library('torchvision', 'DEF')
    for schema in SCHEMAS:
        _library.define(schema)
    torchvision = importlib.import_module('torchvision')
    logger.info("torchvision %s: its compiled ops do not load with torch %s; its Python parts "
                'work, torchvision.ops kernels (nms, roi_align...) raise', torchvision.__version__,
                torch.__version__)
    return True
