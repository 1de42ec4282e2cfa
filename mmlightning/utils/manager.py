"""Globally accessible, named instances (MMEngine's ``ManagerMixin``)."""
from __future__ import annotations

import inspect
import threading
import warnings
from collections import OrderedDict
from typing import Any, TypeVar

from .errors import AssertTypeError, AssertValueError

T = TypeVar('T', bound='ManagerMixin')

_lock = threading.RLock()


class ManagerMeta(type):
    """Metaclass giving each class its own registry of named instances.

    The constructor of every class using this metaclass must accept a ``name``
    argument.
    """

    def __init__(cls, *args: Any) -> None:
        cls._instance_dict: OrderedDict[str, Any] = OrderedDict()
        params = inspect.getfullargspec(cls).args
        if 'name' not in params:
            raise AssertTypeError(
                f'{cls} must have the `name` argument: add `name` to '
                f'{cls.__qualname__}.__init__')
        super().__init__(*args)


class ManagerMixin(metaclass=ManagerMeta):
    """Base class for objects reachable by name from anywhere in the process.

    Args:
        name: Name of the instance. Must be a non-empty string.

    Example::

        >>> class Hub(ManagerMixin):
        ...     def __init__(self, name=''):
        ...         super().__init__(name)
        >>> Hub.get_instance('a') is Hub.get_instance('a')
        True
    """

    def __init__(self, name: str = '', **kwargs: Any) -> None:
        if not isinstance(name, str) or not name:
            raise AssertValueError(
                f'name argument must be an non-empty string, got {name!r}.')
        self._instance_name = name

    @classmethod
    def get_instance(cls: type[T], name: str, **kwargs: Any) -> T:
        """Return the instance called ``name``, creating it with ``kwargs`` if needed."""
        if not isinstance(name, str):
            raise AssertTypeError(
                f'type of name should be str, but got {type(name)} ({name!r})')
        with _lock:
            instances = cls._instance_dict  # type: ignore[attr-defined]
            if name not in instances:
                instances[name] = cls(name=name, **kwargs)
            elif kwargs:
                warnings.warn(
                    f'{cls} instance named of {name} has been created, the method '
                    '`get_instance` should not accept any other arguments (ignored: '
                    f'{sorted(kwargs)})', stacklevel=2)
            return instances[name]

    @classmethod
    def get_current_instance(cls: type[T]) -> T:
        """Return the most recently created instance.

        Raises:
            RuntimeError: If no instance was created yet.
        """
        with _lock:
            instances = cls._instance_dict  # type: ignore[attr-defined]
            if not instances:
                raise RuntimeError(
                    f'Before calling {cls.__name__}.get_current_instance(), you '
                    'should call get_instance(name=xxx) at least once.')
            return instances[next(reversed(instances))]

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        """Whether an instance called ``name`` exists."""
        return name in cls._instance_dict  # type: ignore[attr-defined]

    @property
    def instance_name(self) -> str:
        """The name this instance was created with."""
        return self._instance_name
