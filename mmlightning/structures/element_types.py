"""The data element classes: mmlightning's ``BaseDataElement`` and, once imported, MMEngine's.

Samples of an OpenMMLab package (``DataSample``, ``DetDataSample``...) derive
from MMEngine's ``BaseDataElement``; collate and the evaluator treat them as
they treat mmlightning's. ``mmengine`` is never imported here: a program that
has such samples has already imported ``mmengine.structures``.
"""
from __future__ import annotations

import sys

from .base_data_element import BaseDataElement


def data_element_types() -> tuple[type, ...]:
    """``BaseDataElement`` classes known now: mmlightning's, then MMEngine's if imported."""
    mmengine_structures = sys.modules.get('mmengine.structures')
    if mmengine_structures is None:
        return (BaseDataElement,)
    return (BaseDataElement, mmengine_structures.BaseDataElement)
