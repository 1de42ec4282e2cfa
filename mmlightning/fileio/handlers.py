"""File format handlers for :func:`load` / :func:`dump`: json, yaml and pickle."""
from __future__ import annotations

import json
import pickle
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from typing import IO, Any

import numpy as np
import yaml

_YamlDumper = getattr(yaml, 'CDumper', yaml.Dumper)


class _SafeYamlLoader(getattr(yaml, 'CSafeLoader', yaml.SafeLoader)):  # type: ignore[misc]
    """yaml's safe loader, plus ``!!python/tuple`` (MMEngine's yaml dumper writes tuples so)."""


_SafeYamlLoader.add_constructor(
    'tag:yaml.org,2002:python/tuple',
    lambda loader, node: tuple(loader.construct_sequence(node)))


class BaseFileHandler(metaclass=ABCMeta):
    """Reads and writes one serialization format.

    ``str_like`` tells whether the format works on text (json, yaml) or bytes (pickle).
    """

    str_like = True

    @abstractmethod
    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        """Read an object from an open file."""

    @abstractmethod
    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        """Write ``obj`` to an open file."""

    @abstractmethod
    def dump_to_str(self, obj: Any, **kwargs: Any) -> str | bytes:
        """Serialize ``obj`` to a str (bytes for binary formats)."""

    def load_from_path(self, filepath: str, mode: str = 'r', **kwargs: Any) -> Any:
        """Read an object from a local file."""
        with open(filepath, mode) as f:
            return self.load_from_fileobj(f, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = 'w', **kwargs: Any) -> None:
        """Write ``obj`` to a local file."""
        with open(filepath, mode) as f:
            self.dump_to_fileobj(obj, f, **kwargs)


def set_default(obj: Any) -> Any:
    """json ``default=``: sets and ranges become lists, numpy arrays and scalars plain Python.

    Raises:
        TypeError: For any other type json cannot serialize.
    """
    if isinstance(obj, (set, range)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f'{type(obj)} is unsupported for json dump; convert it to a list, dict, '
                    'str or number first')


class JsonHandler(BaseFileHandler):
    """json, with sets, ranges and numpy values converted by :func:`set_default`."""

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        return json.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault('default', set_default)
        json.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault('default', set_default)
        return json.dumps(obj, **kwargs)


class YamlHandler(BaseFileHandler):
    """yaml: dumped like MMEngine, loaded with a safe loader (no arbitrary Python objects)."""

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        kwargs.setdefault('Loader', _SafeYamlLoader)
        return yaml.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault('Dumper', _YamlDumper)
        yaml.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault('Dumper', _YamlDumper)
        return yaml.dump(obj, **kwargs)


class PickleHandler(BaseFileHandler):
    """pickle (protocol 2 by default, as MMEngine)."""

    str_like = False

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        return pickle.load(file, **kwargs)

    def load_from_path(self, filepath: str, mode: str = 'rb', **kwargs: Any) -> Any:
        return super().load_from_path(filepath, mode='rb', **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> bytes:
        kwargs.setdefault('protocol', 2)
        return pickle.dumps(obj, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault('protocol', 2)
        pickle.dump(obj, file, **kwargs)

    def dump_to_path(self, obj: Any, filepath: str, mode: str = 'wb', **kwargs: Any) -> None:
        super().dump_to_path(obj, filepath, mode='wb', **kwargs)


file_handlers: dict[str, BaseFileHandler] = {
    'json': JsonHandler(),
    'yaml': YamlHandler(),
    'yml': YamlHandler(),
    'pickle': PickleHandler(),
    'pkl': PickleHandler(),
}


def _register_handler(handler: BaseFileHandler, file_formats: str | list[str]) -> None:
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(f'handler must be a subclass instance of BaseFileHandler, '
                        f'got {type(handler).__name__}')
    formats = [file_formats] if isinstance(file_formats, str) else file_formats
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise TypeError(f"file_formats must be a str or a list of str, e.g. ['toml'], "
                        f'got {file_formats!r}')
    for ext in formats:
        file_handlers[ext] = handler


def register_handler(file_formats: str | list[str],
                     **kwargs: Any) -> Callable[[type[BaseFileHandler]], type[BaseFileHandler]]:
    """Class decorator: handle ``file_formats`` with an instance of the class (built with kwargs).

    Args:
        file_formats (str | list[str]): Suffixes (without the dot) the handler serves.
        **kwargs: Passed to the handler class on construction.

    Returns:
        The decorator, which returns the class unchanged.

    Raises:
        TypeError: If the class is not a BaseFileHandler or ``file_formats`` is not str/list[str].
    """

    def wrap(cls: type[BaseFileHandler]) -> type[BaseFileHandler]:
        _register_handler(cls(**kwargs), file_formats)
        return cls

    return wrap
