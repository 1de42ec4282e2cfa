"""MMLogger and print_log (``mmengine.logging.logger``).

``MMLogger`` is a :class:`logging.Logger` outside the stdlib hierarchy (like
MMEngine's), reachable by instance name through
:class:`~mmlightning.utils.ManagerMixin`. Rank 0 logs to stdout at
``log_level``; other ranks show ERROR only and write no file unless
``distributed=True`` (or ``log_level='DEBUG'``).

The package's stdlib logger ``logging.getLogger('mmlightning')`` (used by
mmlightning's modules) is connected to MMLogger: once an MMLogger exists, its
records, and those of its children (``mmlightning.*``), are also handled by the
handlers of the *current* MMLogger, so they reach its console and log file in
the same format; and its level follows the latest MMLogger's ``log_level``.
Propagation to the root logger is unchanged (pytest's ``caplog`` and a user's
``logging.basicConfig`` still see the records). Before any MMLogger exists the
stdlib logger behaves as plain ``logging`` does.
"""
from __future__ import annotations

import inspect
import logging
import os
import os.path as osp
import sys
import warnings
from collections.abc import Mapping
from getpass import getuser
from logging import handlers as logging_handlers
from socket import gethostname
from typing import Any

from mmlightning.dist import get_rank, get_world_size, is_distributed
from mmlightning.utils.manager import ManagerMixin
from mmlightning.utils.suggestions import did_you_mean

from .formatting import FilterDuplicateWarning, MMFormatter, supports_color

__all__ = ['FilterDuplicateWarning', 'MMFormatter', 'MMLogger', 'print_log']

PACKAGE_LOGGER = 'mmlightning'

#: ``logger.info(..., extra=FILE_ONLY)`` writes the record to the log file, not to the console.
FILE_ONLY = {'file_only': True}


class _ConsoleFilter(logging.Filter):
    """Keeps the records logged with ``extra=FILE_ONLY`` off the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, 'file_only', False)


def _get_rank() -> int:
    """This process's rank: from the process group, or before it exists from the launcher's env."""
    if is_distributed():
        return get_rank()
    return int(os.environ.get('RANK', os.environ.get('LOCAL_RANK', '0')))


def _get_world_size() -> int:
    """The number of processes: from the process group, or from ``WORLD_SIZE`` before it exists."""
    if is_distributed():
        return get_world_size()
    return int(os.environ.get('WORLD_SIZE', '1'))


def _get_device_id() -> int | str:
    """The CUDA device of this process (its local rank without CUDA).

    With CUDA, the ``LOCAL_RANK``-th entry of ``CUDA_VISIBLE_DEVICES`` (or of all
    devices); a MIG id, which is not a number, is returned as a string.
    """
    try:
        import torch
    except ImportError:
        return 0
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    if not torch.cuda.is_available():
        return local_rank
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    devices = visible.split(',') if visible is not None else list(range(torch.cuda.device_count()))
    device = devices[local_rank]
    return int(device) if str(device).isdigit() else device


def _get_host_info() -> str:
    """``user@host``, or ``''`` where that is unknown (e.g. some containers)."""
    try:
        return f'{getuser()}@{gethostname()}'
    except Exception as error:  # getuser raises various errors without a passwd entry
        warnings.warn(f'Host or user not found: {error}', stacklevel=2)
        return ''


def _get_logging_file_handlers() -> dict[str, type[logging.FileHandler]]:
    """``logging.FileHandler`` and its subclasses in ``logging.handlers``, by name."""
    found = {'FileHandler': logging.FileHandler}
    for name, value in vars(logging_handlers).items():
        if inspect.isclass(value) and issubclass(value, logging.FileHandler):
            found[name] = value
    return found


def _level_number(log_level: int | str) -> int:
    if isinstance(log_level, int):
        return log_level
    levels = logging._nameToLevel  # type: ignore[attr-defined]
    if log_level not in levels:
        names = [name for name in levels if name != 'NOTSET']
        raise ValueError(f'log_level {log_level!r} is not a logging level; use one of '
                         f'{names}.{did_you_mean(str(log_level), names)}')
    return levels[log_level]


def _rank_file_name(log_file: str, rank: int) -> str:
    """MMEngine's per-rank name: ``<stem>_<user@host>_device<id>_rank<r><ext>``."""
    stem, suffix = osp.splitext(osp.basename(log_file))
    host = _get_host_info()
    host_part = f'_{host}' if host else ''
    return osp.join(osp.dirname(log_file),
                    f'{stem}{host_part}_device{_get_device_id()}_rank{rank}{suffix}')


def _build_file_handler(log_file: str, file_mode: str,
                        file_handler_cfg: Mapping[str, Any] | None) -> logging.FileHandler:
    if osp.dirname(log_file):
        os.makedirs(osp.dirname(log_file), exist_ok=True)
    if file_handler_cfg is None:
        return logging.FileHandler(log_file, file_mode)
    cfg = dict(file_handler_cfg)
    if 'type' not in cfg:
        raise KeyError(f"file_handler_cfg needs a 'type' key naming a file handler, e.g. "
                       f"dict(type='RotatingFileHandler', maxBytes=...), got {cfg!r}")
    name = cfg.pop('type')
    classes = _get_logging_file_handlers()
    if name not in classes:
        raise ValueError(f'`logging.handlers` does not contain {name}: file_handler_cfg type '
                         f'{name!r} is not a file handler; use one of {sorted(classes)}.'
                         f'{did_you_mean(str(name), classes)}')
    cfg.setdefault('filename', log_file)
    return classes[name](**cfg)


class _ToCurrentMMLogger(logging.Handler):
    """Handler of the package's stdlib logger: hands records to the current MMLogger."""

    def emit(self, record: logging.LogRecord) -> None:
        if MMLogger._instance_dict:
            MMLogger.get_current_instance().handle(record)
        elif self._is_only_handler(record) and record.levelno >= logging.lastResort.level:
            logging.lastResort.handle(record)  # what logging does when no handler exists

    def _is_only_handler(self, record: logging.LogRecord) -> bool:
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(handler is not self for handler in logger.handlers):
                return False
            logger = logger.parent if logger.propagate else None
        return True


def _connect_package_logger(level: int) -> None:
    """Route ``logging.getLogger('mmlightning')`` to the current MMLogger, at ``level``."""
    package_logger = logging.getLogger(PACKAGE_LOGGER)
    if not any(isinstance(h, _ToCurrentMMLogger) for h in package_logger.handlers):
        package_logger.addHandler(_ToCurrentMMLogger())
    package_logger.setLevel(level)


class MMLogger(logging.Logger, ManagerMixin):
    """A formatted, rank-aware logger reachable by instance name.

    Args:
        name: Instance name for :meth:`get_instance`.
        logger_name: The ``name`` of the :class:`logging.Logger`, shown in each line.
        log_file: File to write to as well (parent folders are created). The
            Runner passes ``work_dir/<timestamp>/<timestamp>.log``.
        log_level: Level of the handlers (name or number).
        file_mode: Mode to open ``log_file`` with.
        distributed: Write a file on every rank (named with host, device and
            rank) instead of rank 0 only.
        file_handler_cfg: ``dict(type=<handler class of logging.handlers>, ...)``
            to use instead of :class:`logging.FileHandler`.

    Raises:
        ValueError: If ``log_level`` or the file handler type is unknown.
        KeyError: If ``file_handler_cfg`` has no ``type``.
    """

    def __init__(self, name: str, logger_name: str = PACKAGE_LOGGER,
                 log_file: str | None = None, log_level: int | str = 'INFO',
                 file_mode: str = 'w', distributed: bool = False,
                 file_handler_cfg: Mapping[str, Any] | None = None) -> None:
        logging.Logger.__init__(self, logger_name)
        ManagerMixin.__init__(self, name)
        level = _level_number(log_level)
        rank = _get_rank()

        stream_handler = logging.StreamHandler(stream=sys.stdout)
        stream_handler.setFormatter(
            MMFormatter(color=supports_color(sys.stdout), datefmt='%m/%d %H:%M:%S'))
        stream_handler.setLevel(level if rank == 0 else logging.ERROR)
        stream_handler.addFilter(FilterDuplicateWarning(logger_name))
        stream_handler.addFilter(_ConsoleFilter())
        self.handlers.append(stream_handler)

        if log_file is not None:
            per_rank = (level <= logging.DEBUG or distributed) and _get_world_size() > 1
            if per_rank:
                log_file = _rank_file_name(log_file, rank)
            if rank == 0 or per_rank:
                file_handler = _build_file_handler(log_file, file_mode, file_handler_cfg)
                file_handler.setFormatter(MMFormatter(color=False, datefmt='%Y/%m/%d %H:%M:%S'))
                file_handler.setLevel(level)
                file_handler.addFilter(FilterDuplicateWarning(logger_name))
                self.handlers.append(file_handler)
        self._log_file = log_file
        _connect_package_logger(level)

    @property
    def log_file(self) -> str | None:
        """The log file path of this rank (``None`` if none was given)."""
        return self._log_file

    @classmethod
    def get_current_instance(cls) -> MMLogger:
        """The latest created logger; one named ``'mmlightning'`` is created if none exists."""
        if not cls._instance_dict:
            cls.get_instance(PACKAGE_LOGGER)
        return super().get_current_instance()

    def callHandlers(self, record: logging.LogRecord) -> None:
        """Pass ``record`` to this logger's own handlers only (no parents, no lastResort)."""
        for handler in self.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)

    def setLevel(self, level: int | str) -> None:
        """Set the level and clear the level caches of all MMLogger instances.

        MMLoggers are not managed by :mod:`logging`, whose ``setLevel`` would
        not clear their caches.
        """
        self.level = logging._checkLevel(level)  # type: ignore[attr-defined]
        for logger in list(MMLogger._instance_dict.values()):
            logger._cache.clear()


def print_log(msg: Any, logger: logging.Logger | str | None = None,
              level: int = logging.INFO) -> None:
    """Print ``msg`` or log it.

    Args:
        msg: The message.
        logger: ``None`` prints; a :class:`logging.Logger` logs to it;
            ``'silent'`` drops the message; ``'current'`` uses the latest
            MMLogger (created if none); any other string names an MMLogger instance.
        level: Logging level (ignored when printing).

    Raises:
        ValueError: If no MMLogger instance has the given name.
        TypeError: If ``logger`` is of another type.
    """
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == 'silent':
        return
    elif logger == 'current':
        MMLogger.get_current_instance().log(level, msg)
    elif isinstance(logger, str):
        if not MMLogger.check_instance_created(logger):
            names = list(MMLogger._instance_dict)
            raise ValueError(f'MMLogger: {logger} has not been created! Create it with '
                             f"MMLogger.get_instance({logger!r}) or use logger='current'."
                             f'{did_you_mean(logger, names)}')
        MMLogger.get_instance(logger).log(level, msg)
    else:
        raise TypeError(f'logger should be either a logging.Logger object, str, "silent", '
                        f'"current" or None, but got {type(logger).__name__}')
