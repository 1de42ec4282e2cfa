"""MMEngine's log line format and duplicate-warning filter (``mmengine.logging.logger``).

Lines read ``<time> - <logger name> - <LEVEL> - <message>``; ERROR lines also
name the file, function and line. On a terminal the level is coloured (ERROR
red, WARNING yellow, INFO white, DEBUG green; underlined, ERROR and WARNING
blinking) with plain ANSI codes, so ``termcolor`` is not needed.
"""
from __future__ import annotations

import logging
import os
from typing import IO, Any

_COLORS = {'ERROR': 31, 'WARNING': 33, 'INFO': 97, 'DEBUG': 32}
_UNDERLINE, _BLINK, _RESET = 4, 5, '\033[0m'


def supports_color(stream: IO[Any]) -> bool:
    """Whether ``stream`` is a terminal that should get colours.

    ``NO_COLOR`` turns colours off and ``FORCE_COLOR`` on, as in ``termcolor``.
    """
    if os.environ.get('NO_COLOR'):
        return False
    if os.environ.get('FORCE_COLOR'):
        return True
    isatty = getattr(stream, 'isatty', None)
    return bool(isatty and isatty())


def _prefix(level: str, color: bool, blink: bool) -> str:
    if not color:
        return level
    codes = [_UNDERLINE, *([_BLINK] if blink else []), _COLORS[level]]
    return ''.join(f'\033[{code}m' for code in codes) + level + _RESET


class MMFormatter(logging.Formatter):
    """MMEngine's formatter: one format per level, optionally coloured.

    Args:
        color: Colour the level name (use False for files).
        blink: Also blink the INFO and DEBUG level names (needs ``color``).
        **kwargs: Passed to :class:`logging.Formatter` (e.g. ``datefmt``).

    Raises:
        ValueError: If ``blink`` is set without ``color``.
    """

    def __init__(self, color: bool = True, blink: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if blink and not color:
            raise ValueError('MMFormatter(blink=True) needs color=True')
        head = '%(asctime)s - %(name)s - {} - '
        formats = {
            logging.ERROR: head.format(_prefix('ERROR', color, True))
            + '%(pathname)s - %(funcName)s - %(lineno)d - %(message)s',
            logging.WARNING: head.format(_prefix('WARNING', color, True)) + '%(message)s',
            logging.INFO: head.format(_prefix('INFO', color, blink)) + '%(message)s',
            logging.DEBUG: head.format(_prefix('DEBUG', color, blink)) + '%(message)s',
        }
        self._by_level = {level: logging.Formatter(fmt, **kwargs)
                          for level, fmt in formats.items()}

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` with the format of its level (CRITICAL as ERROR)."""
        levels = [level for level in self._by_level if record.levelno >= level]
        formatter = self._by_level[max(levels)] if levels else self._by_level[logging.DEBUG]
        return formatter.format(record)


class FilterDuplicateWarning(logging.Filter):
    """Let each WARNING message through once; other levels always pass.

    Args:
        name: Name of the filter (kept for MMEngine compatibility).
    """

    def __init__(self, name: str = 'mmlightning') -> None:
        super().__init__(name)
        self.seen: set[Any] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is shown."""
        if record.levelno != logging.WARNING:
            return True
        if record.msg in self.seen:
            return False
        self.seen.add(record.msg)
        return True
