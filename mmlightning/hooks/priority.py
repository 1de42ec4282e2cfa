"""Hook priorities (MMEngine's ``mmengine.runner.priority``)."""
from __future__ import annotations

from enum import Enum

from mmlightning.utils.errors import ReadableKeyError


class PriorityNameError(ReadableKeyError, ValueError):
    """An unknown priority name (MMEngine: ``KeyError``; also a ``ValueError``)."""


class Priority(Enum):
    """Named hook priorities; lower values run first."""

    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


def get_priority(priority: int | str | Priority) -> int:
    """The numeric value of a priority given as an int (0-100), a name or a :class:`Priority`.

    Raises:
        ValueError: If an int is outside 0-100.
        PriorityNameError: If a name is unknown (a ``KeyError`` as MMEngine's, and a
            ``ValueError``).
        TypeError: For any other type.
    """
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, bool):
        raise TypeError(f'priority must be an integer or Priority enum value (or its name), '
                        f'got {priority!r}')
    if isinstance(priority, int):
        if not 0 <= priority <= 100:
            raise ValueError(f'priority must be between 0 and 100, got {priority}')
        return priority
    if isinstance(priority, str):
        try:
            return Priority[priority.upper()].value
        except KeyError:
            from mmlightning.utils.suggestions import did_you_mean

            names = [p.name for p in Priority]
            raise PriorityNameError(f'unknown priority {priority!r}; use one of '
                                    f'{", ".join(names)} or an int in 0-100.'
                                    f'{did_you_mean(priority.upper(), names)}') from None
    raise TypeError(f'priority must be an integer or Priority enum value (or its name), got '
                    f'{priority!r}')
