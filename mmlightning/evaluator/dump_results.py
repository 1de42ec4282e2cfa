"""``DumpResults``: save the model's predictions to a pickle file for offline evaluation."""
from __future__ import annotations

import logging
import os
import pickle
import uuid
from collections.abc import Sequence
from typing import Any

from mmlightning.registry import METRICS

from .metric import BaseMetric, _to_cpu

logger = logging.getLogger('mmlightning')

_SUFFIXES = ('.pkl', '.pickle')


def atomic_pickle_dump(obj: Any, path: str) -> None:
    """Pickle ``obj`` to ``path`` so that readers see the old file or the whole new one.

    The data go to a temporary file in the same directory (created with the
    usual permissions), flushed to disk, then renamed over ``path``.

    Args:
        obj: Picklable object.
        path: Destination; missing parent directories are created.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f'.{os.path.basename(path)}.{uuid.uuid4().hex}.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, 'wb') as f:
            pickle.dump(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Dump the model's predictions (moved to CPU) to a pickle file; returns no metric.

    Load them back with ``pickle.load`` and pass them to
    :meth:`Evaluator.offline_evaluate`.

    Args:
        out_file_path: Local path ending with ``.pkl`` or ``.pickle``.
        collect_device: See :class:`BaseMetric`. Defaults to ``'cpu'``.
        collect_dir: See :class:`BaseMetric`.

    Raises:
        ValueError: If ``out_file_path`` has another suffix or is a URL.
    """

    def __init__(self, out_file_path: str, collect_device: str = 'cpu',
                 collect_dir: str | None = None) -> None:
        super().__init__(collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith(_SUFFIXES):
            raise ValueError(f'The output file must be a pkl file: out_file_path='
                             f'{out_file_path!r} should end with .pkl or .pickle.')
        if '://' in str(out_file_path):
            raise ValueError(f'DumpResults writes local files only, got {out_file_path!r}; dump '
                             'to a local path and copy it.')
        self.out_file_path = str(out_file_path)

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        """Keep the predictions, with their tensors moved to CPU."""
        self.results.extend(_to_cpu(list(predictions)))

    def compute_metrics(self, results: list) -> dict:
        """Write ``results`` to ``out_file_path`` atomically; return ``{}``."""
        atomic_pickle_dump(results, self.out_file_path)
        logger.info('Results has been saved to %s.', self.out_file_path)
        return {}
