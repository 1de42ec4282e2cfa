"""Where a run's files go: a local ``work_dir``, or a URL with a local mirror for the logs.

MMEngine needs a local ``work_dir``. Here it may also be any URL fsspec knows
(``s3://bucket/exp``, ``gs://...``, ``memory://...``): checkpoints and ``last_checkpoint``
are written to it directly, through :mod:`mmlightning.fileio`. Logs, the dumped config
and the visualizer's files are written by code that needs a local file (logging's file
handler, TensorBoard, ...), so they go to a local mirror of the URL,
``$MMLIGHTNING_HOME/work_dirs/<protocol>/<path>``, and are uploaded to the URL when a
run ends, also when it fails, and while it runs (:mod:`mmlightning.runner.log_upload`).
"""
from __future__ import annotations

import os
import os.path as osp

from mmlightning import fileio
from mmlightning.model.checkpoint import get_mmlightning_home


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL of a non-local filesystem (``file://`` counts as local)."""
    return '://' in path and not path.startswith('file://')


class WorkDir:
    """A run's ``work_dir`` and the local folder its log files are written in.

    Args:
        work_dir: A local path (made absolute) or a URL.
    """

    def __init__(self, work_dir: str) -> None:
        work_dir = os.fspath(work_dir)
        if not is_url(work_dir):
            work_dir = osp.abspath(work_dir.removeprefix('file://'))
        self.path = work_dir.rstrip('/') if is_url(work_dir) else work_dir
        self.local = self.path if not self.remote else self._mirror_of(self.path)
        self._uploaded: dict[str, tuple[int, int]] = {}  # local file -> (mtime_ns, size)

    @property
    def remote(self) -> bool:
        """Whether ``work_dir`` is a URL (logs are then mirrored locally and uploaded)."""
        return is_url(self.path)

    @staticmethod
    def _mirror_of(url: str) -> str:
        protocol, rest = url.split('://', 1)
        parts = [part for part in rest.split('/') if part not in ('', '.', '..')]
        return osp.join(get_mmlightning_home(), 'work_dirs', protocol, *parts)

    def upload(self, local_folder: str) -> list[str]:
        """Copy the files under ``local_folder`` (a folder of :attr:`local`) to the URL.

        Each file replaces its copy at the same relative path under :attr:`path`; a file
        unchanged since this object last uploaded it is skipped. Nothing is done for a local
        ``work_dir``.

        Returns:
            The URLs written.
        """
        if not self.remote or not osp.isdir(local_folder):
            return []
        written = []
        for folder, _, names in os.walk(local_folder):
            for name in sorted(names):
                local_file = osp.join(folder, name)
                stat = os.stat(local_file)
                signature = (stat.st_mtime_ns, stat.st_size)
                if self._uploaded.get(local_file) == signature:
                    continue
                rel = osp.relpath(local_file, self.local).split(os.sep)
                target = fileio.join_path(self.path, *rel)
                with open(local_file, 'rb') as f:
                    fileio.put(f.read(), target)
                self._uploaded[local_file] = signature
                written.append(target)
        return written

    def __repr__(self) -> str:
        local = f', local={self.local!r}' if self.remote else ''
        return f'WorkDir({self.path!r}{local})'
