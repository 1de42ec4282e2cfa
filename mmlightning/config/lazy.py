"""Lazily imported objects of pure-Python configs (``from torch.optim import SGD``).

A pure-Python config's imports become :class:`LazyObject` values so loading the
config imports nothing; :class:`ConfigDict` builds them on access.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any


class _Lazy:
    """What lazily imported values share: attribute access makes a :class:`LazyAttr`,
    calling is an error, equality and hashing go by the dotted path, and pickling
    keeps the instance dict (``__getattr__`` would otherwise answer pickle's probes)."""

    location: str | None

    def dotted(self) -> str:
        """The full dotted path, e.g. ``'torch.optim.SGD'``."""
        raise NotImplementedError

    def __getattr__(self, name: str) -> LazyAttr:
        if name.startswith('__'):
            raise AttributeError(name)
        return LazyAttr(name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f'{self.dotted()} is imported lazily in a pure-Python config and '
                           'cannot be called while the config is read')

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.dotted() == self.dotted()  # type: ignore

    def __hash__(self) -> int:
        return hash(self.dotted())

    def __getstate__(self) -> dict:
        return self.__dict__

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class LazyObject(_Lazy):
    """An imported module or module attribute, imported on :meth:`build`.

    Args:
        module: Module to import, or several (``import a.b; import a.c``) whose
            common top-level package is the value.
        imported: Attribute of the module (``from module import imported``).
        location: ``'file, line N'`` of the import statement, for errors.

    Raises:
        TypeError: If ``module`` is not a str (or a sequence of them) or ``imported``
            is neither a str nor None.
    """

    def __init__(self, module: str | Sequence[str], imported: str | None = None,
                 location: str | None = None) -> None:
        if not isinstance(module, str) and not all(isinstance(m, str) for m in module):
            raise TypeError(f'module must be a str or a sequence of str, got {module!r}')
        if imported is not None and not isinstance(imported, str):
            raise TypeError(f'imported must be a str or None, got {imported!r}')
        self._module = module if isinstance(module, str) else tuple(module)
        self._imported = imported
        self.location = location

    @property
    def module(self) -> str:
        """The module path this object comes from."""
        if isinstance(self._module, str):
            return self._module
        return self._module[0].split('.')[0]

    def build(self) -> Any:
        """Import and return the object.

        Raises:
            ImportError: If the module or attribute cannot be imported (names the
                config file and line of the import).
        """
        try:
            if isinstance(self._module, str):
                module = importlib.import_module(self._module)
            else:
                for name in self._module:
                    importlib.import_module(name)
                module = importlib.import_module(self.module)
        except ImportError as error:
            raise ImportError(f'Failed to import {self.module} in {self.location} for '
                              f'{error}') from error
        if self._imported is None:
            return module
        try:
            return getattr(module, self._imported)
        except AttributeError as error:
            raise ImportError(f'Failed to import {self._imported} from {self.module} in '
                              f'{self.location}') from error

    def dotted(self) -> str:
        """The full dotted path, e.g. ``'torch.optim.SGD'``."""
        return f'{self.module}.{self._imported}' if self._imported else self.module

    def __str__(self) -> str:
        return self._imported if self._imported is not None else self.module

    __repr__ = __str__

    def __deepcopy__(self, memo: dict) -> LazyObject:
        return LazyObject(self._module, self._imported, self.location)


class LazyAttr(_Lazy):
    """An attribute of a :class:`LazyObject` (``nn.Linear`` after ``import torch.nn as nn``)."""

    def __init__(self, name: str, source: _Lazy) -> None:
        self.name = name
        self.source = source
        self.location = source.location

    @property
    def module(self) -> str:
        """Dotted path of the object this attribute is read from."""
        return self.source.dotted()

    def dotted(self) -> str:
        """The full dotted path, e.g. ``'torch.nn.Linear'``."""
        return f'{self.module}.{self.name}'

    def build(self) -> Any:
        """Import the source and return the attribute."""
        try:
            return getattr(self.source.build(), self.name)
        except AttributeError as error:
            raise ImportError(f'Failed to import {self.dotted()} in {self.location}') from error

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

    def __deepcopy__(self, memo: dict) -> LazyAttr:
        return LazyAttr(self.name, self.source)


LAZY_TYPES = (LazyObject, LazyAttr)


@contextmanager
def read_base() -> Iterator[None]:
    """Marks the imports of base configs in a pure-Python config.

    Example::

        with read_base():
            from .._base_.default_runtime import *
    """
    yield
