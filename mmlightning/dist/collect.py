"""Collect per-rank result lists on rank 0, in dataset order, without sampler padding.

MMEngine's ``DefaultSampler`` deals indices to ranks round-robin (rank ``r``
gets ``r, r + world_size, ...``) and pads the last round by repeating indices.
So the full list is rebuilt by interleaving the parts (rank 0's first item,
rank 1's first item, ..., rank 0's second item, ...) and truncated to ``size``
(``len(dataset)``), which drops the padding.
"""
from __future__ import annotations

import itertools
import os
import pickle
import shutil
import tempfile
from typing import Any

from .dist import all_gather_object, broadcast_object_list
from .utils import barrier, get_dist_info

_COLLECT_DEVICES = ('cpu', 'gpu', 'npu')
_DEFAULT_TMP_PARENT = '.dist_test'
_MISSING = object()


def _interleave(parts: list[list[Any]], size: int) -> list[Any]:
    """Rebuild dataset order from round-robin parts and keep the first ``size`` items."""
    merged = itertools.chain.from_iterable(itertools.zip_longest(*parts, fillvalue=_MISSING))
    return [item for item in merged if item is not _MISSING][:size]


def collect_results(results: list, size: int, device: str = 'cpu',
                    tmpdir: str | None = None) -> list | None:
    """Collect result lists of all ranks on rank 0.

    Args:
        results: This rank's results (picklable items), in its sampler's order.
        size: Number of results to keep, normally ``len(dataset)``.
        device: ``'cpu'`` (through files in a shared directory) or ``'gpu'`` /
            ``'npu'`` (through the communication backend).
        tmpdir: Shared directory under which the cpu mode writes; must be None
            for ``'gpu'`` and ``'npu'``.

    Returns:
        On rank 0 the collected, truncated list; None on other ranks.

    Raises:
        NotImplementedError: For another ``device``.
        ValueError: If ``tmpdir`` is given with ``device='gpu'`` or ``'npu'``.
    """
    if device not in _COLLECT_DEVICES:
        raise NotImplementedError(f"device must be 'cpu', 'gpu' or 'npu', but got {device!r}.")
    if device == 'cpu':
        return collect_results_cpu(results, size, tmpdir)
    if tmpdir is not None:
        raise ValueError(f'tmpdir should be None when device is {device!r} (results travel '
                         f"through the backend), got tmpdir={tmpdir!r}; use device='cpu' to "
                         'collect through a shared directory.')
    return collect_results_gpu(results, size)


def _shared_tmpdir(rank: int, parent: str | None) -> str:
    """Create a fresh directory on rank 0 and tell every rank its path.

    If rank 0 cannot create it, every rank raises (instead of the others
    waiting forever for the path).
    """
    message: list[Any] = [None]
    if rank == 0:
        try:
            os.makedirs(parent or _DEFAULT_TMP_PARENT, exist_ok=True)
            message[0] = ('ok', os.path.abspath(tempfile.mkdtemp(dir=parent or
                                                                 _DEFAULT_TMP_PARENT)))
        except OSError as error:
            message[0] = ('error', f'{type(error).__name__}: {error}')
    broadcast_object_list(message)
    status, value = message[0]
    if status == 'error':
        raise OSError(f'collect_results: rank 0 could not create a temporary directory under '
                      f'{parent or _DEFAULT_TMP_PARENT!r} ({value}); pass a writable, shared '
                      'tmpdir (collect_dir).')
    return value


def collect_results_cpu(result_part: list, size: int, tmpdir: str | None = None) -> list | None:
    """Collect results through pickle files in a directory every rank can read.

    Rank 0 creates a fresh subdirectory of ``tmpdir`` (``./.dist_test`` if None)
    and broadcasts its path; each rank writes ``part_<rank>.pkl`` there; after a
    barrier rank 0 reads the parts, interleaves and truncates them, and removes
    the subdirectory (never ``tmpdir`` itself).

    Args:
        result_part: This rank's results.
        size: Number of results to keep.
        tmpdir: Shared parent directory; on several machines it must be on a
            shared file system.

    Returns:
        On rank 0 the collected list; None on other ranks.

    Raises:
        FileNotFoundError: On rank 0, if a rank's part is missing (``tmpdir``
            is not shared).
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    workdir = _shared_tmpdir(rank, tmpdir)
    with open(os.path.join(workdir, f'part_{rank}.pkl'), 'wb') as f:
        pickle.dump(result_part, f, protocol=pickle.HIGHEST_PROTOCOL)
    barrier()
    if rank != 0:
        return None
    parts = []
    for i in range(world_size):
        path = os.path.join(workdir, f'part_{i}.pkl')
        if not os.path.exists(path):
            raise FileNotFoundError(f'{workdir} is not a shared directory for rank {i}: '
                                    f'{path} is missing. Pass a tmpdir (collect_dir) that all '
                                    'ranks can read and write.')
        with open(path, 'rb') as f:
            parts.append(pickle.load(f))
    shutil.rmtree(workdir)
    if tmpdir is None:
        try:
            os.rmdir(_DEFAULT_TMP_PARENT)  # only if no other collection is using it
        except OSError:
            pass
    return _interleave(parts, size)


def collect_results_gpu(result_part: list, size: int) -> list | None:
    """Collect results through the communication backend (``all_gather_object``).

    Works with any backend, gloo included, despite its name (MMEngine's).

    Args:
        result_part: This rank's results.
        size: Number of results to keep.

    Returns:
        On rank 0 the collected list; None on other ranks.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    parts = all_gather_object(result_part)
    return _interleave(parts, size) if rank == 0 else None
