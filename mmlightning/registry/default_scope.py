"""The default scope: which package's registries a build searches first."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from mmlightning.utils.manager import ManagerMixin


class DefaultScope(ManagerMixin):
    """Names the scope (package) whose registries resolve unscoped types.

    Args:
        name: Instance name (usually the experiment name).
        scope_name: The scope, e.g. ``'mmlightning'`` or ``'mmdet'``.

    Example::

        >>> scope = DefaultScope.get_instance('exp', scope_name='mmlightning')
        >>> DefaultScope.get_current_instance().scope_name
        'mmlightning'
    """

    def __init__(self, name: str, scope_name: str) -> None:
        super().__init__(name)
        if not isinstance(scope_name, str):
            raise TypeError(f'scope_name must be a str, got {type(scope_name).__name__}')
        self._scope_name = scope_name

    @property
    def scope_name(self) -> str:
        """The scope this instance names."""
        return self._scope_name

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:  # type: ignore[override]
        """The most recently created scope, or ``None`` when there is none."""
        if not cls._instance_dict:  # type: ignore[attr-defined]
            return None
        return super().get_current_instance()

    @classmethod
    @contextmanager
    def overwrite_default_scope(cls, scope_name: str | None) -> Iterator[None]:
        """Make ``scope_name`` the current scope inside the ``with`` block.

        ``None`` leaves the current scope as it is.
        """
        if scope_name is None:
            yield
            return
        previous = cls._instance_dict.copy()  # type: ignore[attr-defined]
        cls.get_instance(f'overwrite-{time.time_ns()}', scope_name=scope_name)
        try:
            yield
        finally:
            cls._instance_dict.clear()  # type: ignore[attr-defined]
            cls._instance_dict.update(previous)  # type: ignore[attr-defined]


def init_default_scope(scope: str) -> None:
    """Make ``scope`` the current default scope (MMEngine's ``init_default_scope``).

    The first time, an instance named ``scope`` is created. When another scope
    is current, a warning says that ``scope`` replaces it.
    """
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created(scope):
        DefaultScope.get_instance(scope, scope_name=scope)
        return
    if current.scope_name != scope:
        logging.getLogger('mmlightning').warning(
            f'The current default scope "{current.scope_name}" is not "{scope}", '
            f'`init_default_scope` will force set the current default scope to "{scope}".')
        DefaultScope.get_instance(f'{scope}-{time.time_ns()}', scope_name=scope)
