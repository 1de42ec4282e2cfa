"""Logging (``mmengine.logging`` and ``mmengine.runner.LogProcessor``).

- :class:`HistoryBuffer`: the history of one scalar, with statistics.
- :class:`MessageHub`: scalars and runtime information shared by components.
- :class:`MMLogger` / :func:`print_log`: MMEngine's rank-aware formatted logger;
  the package logger ``logging.getLogger('mmlightning')`` reaches the current one.
- :class:`LogProcessor`: MMEngine's log lines (registered in ``LOG_PROCESSORS``).

Logged tensors are kept lazily and converted to numbers when read, so logging
does not synchronise the device every iteration (MMEngine calls ``.item()``).
"""
from .history_buffer import HistoryBuffer
from .log_processor import LogProcessor
from .logger import MMLogger, print_log
from .message_hub import MessageHub

__all__ = ['HistoryBuffer', 'LogProcessor', 'MMLogger', 'MessageHub', 'print_log']
