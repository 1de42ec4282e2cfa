"""Process-level settings for data loading workers (MMEngine's ``dl_utils/setup_env.py``)."""
from __future__ import annotations

import os
import platform
import warnings

import torch.multiprocessing as mp


def _default_thread_env(name: str) -> None:
    """Set ``os.environ[name] = '1'`` with a warning, unless the user set it."""
    if name in os.environ:
        return
    warnings.warn(
        f'Setting {name} environment variable for each process to be 1 in default, to '
        'avoid your system being overloaded, please further tune the variable for optimal '
        'performance in your application as needed.', stacklevel=3)
    os.environ[name] = '1'


def set_multi_processing(mp_start_method: str = 'fork',
                         opencv_num_threads: int = 0,
                         distributed: bool = False) -> None:
    """Set the multiprocessing start method and the thread counts of OpenCV, OpenMP, MKL.

    Args:
        mp_start_method: Start method of child processes (not changed on Windows).
            A different method set before is overridden, with a warning.
        opencv_num_threads: Threads OpenCV may use (when ``cv2`` is installed);
            0 disables its multithreading.
        distributed: In a distributed run, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS``
            default to 1 (with a warning) unless already set.
    """
    if platform.system() != 'Windows':
        current_method = mp.get_start_method(allow_none=True)
        if current_method is not None and current_method != mp_start_method:
            warnings.warn(
                f'Multi-processing start method `{mp_start_method}` is different from the '
                f'previous setting `{current_method}`. It will be force set to '
                f'`{mp_start_method}`. You can change this behavior by changing '
                '`mp_start_method` in your config.', stacklevel=2)
        mp.set_start_method(mp_start_method, force=True)
    try:
        import cv2
    except ImportError:
        pass
    else:
        cv2.setNumThreads(opencv_num_threads)
    if distributed:
        _default_thread_env('OMP_NUM_THREADS')
        _default_thread_env('MKL_NUM_THREADS')
