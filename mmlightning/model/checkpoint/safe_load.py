"""Safe ``torch.load`` of MMEngine and mmlightning checkpoints (``weights_only=True``).

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``; since torch 2.6 defaults
to ``weights_only=True``, a full MMEngine checkpoint no longer loads: its ``message_hub``
holds pickled ``HistoryBuffer`` objects (numpy arrays inside, and their statistic methods
pickled as ``getattr(HistoryBuffer, 'min')``), its schedulers a ``collections.Counter``.
:func:`torch_load` allow-lists exactly those types for the duration of one load, so such
files load without running arbitrary pickled code.
"""
from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from mmlightning.logging import HistoryBuffer


def _history_buffer_classes() -> tuple[type, ...]:
    classes: list[type] = [HistoryBuffer]
    try:
        from mmengine.logging import HistoryBuffer as MMEngineHistoryBuffer
    except ImportError:
        pass
    else:
        classes.append(MMEngineHistoryBuffer)
    return tuple(classes)


def _statistic_getattr(owner: Any, name: str) -> Any:
    """``getattr`` restricted to the statistic methods of the allow-listed HistoryBuffers.

    Pickle stores a function defined in a class as ``getattr(Class, 'name')``; a general
    ``getattr`` would let a file reach any attribute, so only these lookups are allowed.

    Raises:
        pickle.UnpicklingError: For any other lookup.
    """
    import pickle

    if owner in _history_buffer_classes() and not name.startswith('_') \
            and callable(getattr(owner, name, None)):
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'weights_only load: getattr({owner!r}, {name!r}) is not allowed (only the statistic '
        'methods of HistoryBuffer are); pass weights_only=False only for a trusted file')


def safe_globals() -> list[Any]:
    """The globals, beyond torch's defaults, that MMEngine and mmlightning checkpoints hold.

    Returns:
        Entries for :func:`torch.serialization.safe_globals`: numpy arrays, scalars and
        dtypes, ``collections.OrderedDict``/``Counter``/``defaultdict``, the
        ``HistoryBuffer`` classes (mmlightning's, and mmengine's when importable) and a
        restricted ``getattr`` for their statistic methods.
    """
    multiarray = (getattr(np, '_core', None) or np.core).multiarray
    dtype_classes = [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUV']
    # files pickled under numpy 1.x name numpy.core, under numpy 2 numpy._core
    numpy_functions = [(getattr(multiarray, name), f'{module}.multiarray.{name}')
                       for name in ('_reconstruct', 'scalar')
                       for module in ('numpy.core', 'numpy._core')]
    return [
        np.ndarray, np.dtype, *dtype_classes, *numpy_functions, collections.OrderedDict,
        collections.Counter, collections.defaultdict, *_history_buffer_classes(),
        (_statistic_getattr, 'builtins.getattr'),
    ]


@contextmanager
def allow_checkpoint_globals() -> Iterator[None]:
    """Allow :func:`safe_globals` in ``torch.load(weights_only=True)`` within the block."""
    with torch.serialization.safe_globals(safe_globals()):
        yield


def torch_load(file: Any, map_location: Any = None, weights_only: bool = True) -> Any:
    """``torch.load`` with the checkpoint types of :func:`safe_globals` allowed.

    Args:
        file: A path or a file object.
        map_location: As :func:`torch.load`.
        weights_only: Restrict unpickling to tensors and allow-listed types. ``False``
            runs any pickled code: use it only for files you trust.

    Returns:
        The loaded object.

    Raises:
        pickle.UnpicklingError: With ``weights_only``, if the file holds other types;
            the message names the type (torch's own message).
    """
    if not weights_only:
        return torch.load(file, map_location=map_location, weights_only=False)
    with allow_checkpoint_globals():
        return torch.load(file, map_location=map_location, weights_only=True)
