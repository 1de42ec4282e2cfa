"""Small type checks, casts and container helpers (MMEngine's ``utils/misc.py``).

The prerequisite and deprecation decorators live in :mod:`.decorators`; they are
re-exported here because MMEngine (and code written for it) imports them from
``utils.misc``.
"""
from __future__ import annotations

import itertools
import warnings
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from importlib import import_module
from inspect import ismodule
from types import ModuleType
from typing import Any

from .decorators import (  # noqa: F401  (MMEngine's import path)
    check_prerequisites,
    deprecated_api_warning,
    deprecated_function,
    requires_executable,
    requires_package,
)
from .errors import AssertTypeError


def _ntuple(n: int) -> Callable[[Any], Any]:
    """Return a function that repeats a non-iterable ``n`` times into a tuple."""

    def parse(x: Any) -> Any:
        if isinstance(x, abc.Iterable):
            return x
        return tuple(itertools.repeat(x, n))

    return parse


to_1tuple = _ntuple(1)
to_2tuple = _ntuple(2)
to_3tuple = _ntuple(3)
to_4tuple = _ntuple(4)
to_ntuple = _ntuple


def is_str(x: Any) -> bool:
    """Whether ``x`` is a ``str`` instance."""
    return isinstance(x, str)


def import_modules_from_strings(
    imports: str | list[str] | None, allow_failed_imports: bool = False
) -> ModuleType | list[ModuleType | None] | None:
    """Import modules given by name.

    Args:
        imports: One module name, a list of them, or ``None``/empty (nothing to import).
        allow_failed_imports: If True, a module that fails to import warns and yields
            ``None`` instead of raising.

    Returns:
        The module for a single name, a list of modules for a list, ``None`` when
        ``imports`` is empty.

    Raises:
        TypeError: If ``imports`` is not a str or list, or a list item is not a str.
        ImportError: If a module cannot be imported and ``allow_failed_imports`` is False.
    """
    if not imports:
        return None
    single_import = isinstance(imports, str)
    names = [imports] if single_import else imports
    if not isinstance(names, list):
        raise TypeError(f'custom_imports must be a list but got type {type(imports)}')
    imported: list[ModuleType | None] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f'{name} is of type {type(name)} and cannot be imported.')
        try:
            imported.append(import_module(name))
        except ImportError as error:
            if not allow_failed_imports:
                raise ImportError(
                    f'Failed to import {name}: {error}. Check the module name, or pass '
                    'allow_failed_imports=True to skip it.') from error
            warnings.warn(f'{name} failed to import and is ignored.', UserWarning, stacklevel=2)
            imported.append(None)
    return imported[0] if single_import else imported


def iter_cast(inputs: Iterable, dst_type: type, return_type: type | None = None) -> Any:
    """Cast each element of ``inputs`` to ``dst_type``.

    Args:
        inputs: The iterable to cast.
        dst_type: Type applied to every element.
        return_type: Container type of the result; ``None`` returns a lazy iterator.

    Returns:
        An iterator, or a ``return_type`` instance, of cast elements.

    Raises:
        TypeError: If ``inputs`` is not iterable or ``dst_type`` is not a type.
    """
    if not isinstance(inputs, abc.Iterable):
        raise TypeError(f'inputs must be an iterable object, got {type(inputs).__name__}')
    if not isinstance(dst_type, type):
        raise TypeError(f'"dst_type" must be a valid type, got {dst_type!r}')
    out_iterable = map(dst_type, inputs)
    return out_iterable if return_type is None else return_type(out_iterable)


def list_cast(inputs: Iterable, dst_type: type) -> list:
    """Cast each element of ``inputs`` to ``dst_type`` and return a list."""
    return iter_cast(inputs, dst_type, return_type=list)


def tuple_cast(inputs: Iterable, dst_type: type) -> tuple:
    """Cast each element of ``inputs`` to ``dst_type`` and return a tuple."""
    return iter_cast(inputs, dst_type, return_type=tuple)


def is_seq_of(seq: Any, expected_type: type | tuple, seq_type: type | None = None) -> bool:
    """Check whether ``seq`` is a sequence whose items all have ``expected_type``.

    Args:
        seq: The object to check.
        expected_type: Expected type (or tuple of types) of the items.
        seq_type: Expected container type; any ``collections.abc.Sequence`` if None.

    Returns:
        True if ``seq`` is a ``seq_type`` of ``expected_type`` items.

    Raises:
        TypeError: If ``seq_type`` is given and is not a type.

    Examples:
        >>> is_seq_of(['a', 'b'], str)
        True
        >>> is_seq_of(['a', 1], str)
        False
    """
    if seq_type is None:
        exp_seq_type: type = abc.Sequence
    elif isinstance(seq_type, type):
        exp_seq_type = seq_type
    else:
        raise TypeError(f'seq_type must be a type such as list or tuple, got {seq_type!r}')
    if not isinstance(seq, exp_seq_type):
        return False
    return all(isinstance(item, expected_type) for item in seq)


def is_list_of(seq: Any, expected_type: type | tuple) -> bool:
    """Check whether ``seq`` is a list whose items all have ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: type | tuple) -> bool:
    """Check whether ``seq`` is a tuple whose items all have ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=tuple)


def slice_list(in_list: list, lens: int | list[int]) -> list[list]:
    """Slice a list into consecutive sub-lists of the given lengths.

    Args:
        in_list: The list to slice.
        lens: Length of every sub-list (int), or the length of each sub-list.

    Returns:
        The sub-lists, in order.

    Raises:
        TypeError: If ``lens`` is neither an int nor a list.
        ValueError: If the lengths do not add up to ``len(in_list)``.
    """
    if isinstance(lens, int):
        if lens <= 0 or len(in_list) % lens != 0:
            raise ValueError(
                f'cannot slice a list of length {len(in_list)} into pieces of length {lens}: '
                'lens must be a positive divisor of the list length')
        lens = [lens] * (len(in_list) // lens)
    if not isinstance(lens, list):
        raise TypeError(f'"indices" must be an integer or a list of integers, got {lens!r}')
    if sum(lens) != len(in_list):
        raise ValueError(
            f'sum of lens and list length does not match: {sum(lens)} != {len(in_list)}')
    out_list = []
    idx = 0
    for length in lens:
        out_list.append(in_list[idx:idx + length])
        idx += length
    return out_list


def concat_list(in_list: Iterable[Iterable]) -> list:
    """Concatenate an iterable of iterables into one flat list."""
    return list(itertools.chain(*in_list))


def apply_to(data: Any, expr: Callable[[Any], bool], apply_func: Callable[[Any], Any]) -> Any:
    """Apply ``apply_func`` to every leaf of nested dicts/lists/tuples matching ``expr``.

    Container types are kept (dict subclasses, namedtuples, lists, tuples).

    Args:
        data: The (nested) data.
        expr: Predicate telling which leaves to transform.
        apply_func: Function applied to the matching leaves.

    Returns:
        The data with matching leaves replaced.

    Examples:
        >>> apply_to({'a': [1, 'x']}, lambda x: isinstance(x, int), lambda x: x + 1)
        {'a': [2, 'x']}
    """
    if isinstance(data, dict):
        res = type(data)()
        for key, value in data.items():
            res[key] = apply_to(value, expr, apply_func)
        return res
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return type(data)(*(apply_to(sample, expr, apply_func) for sample in data))
    if isinstance(data, (tuple, list)):
        return type(data)(apply_to(sample, expr, apply_func) for sample in data)
    return apply_func(data) if expr(data) else data


def is_method_overridden(method: str, base_class: type, derived_class: type | Any) -> bool:
    """Check whether ``derived_class`` overrides ``base_class.method``.

    Args:
        method: Name of the method.
        base_class: The base class (a class, not an instance).
        derived_class: The derived class or an instance of it.

    Returns:
        True if the method resolved on ``derived_class`` differs from the base one.

    Raises:
        TypeError: If ``base_class`` is not a class (also an ``AssertionError``, as
            MMEngine asserts it).
    """
    if not isinstance(base_class, type):
        raise AssertTypeError(
            f"base_class doesn't accept instance, Please pass class instead. Got {base_class!r}")
    if not isinstance(derived_class, type):
        derived_class = derived_class.__class__
    return getattr(derived_class, method) != getattr(base_class, method)


def has_method(obj: object, method: str) -> bool:
    """Whether ``obj`` has a callable attribute called ``method``."""
    return hasattr(obj, method) and callable(getattr(obj, method))


def _iter_object_path(parts: Iterator[str], obj: Any) -> Any:
    """Resolve the remaining dotted ``parts`` as attributes of ``obj``; None if missing."""
    for part in parts:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
    return obj


def get_object_from_string(obj_name: str) -> Any:
    """Return the object a dotted path names, or None if it cannot be found.

    Submodules are imported as needed. When a module has both a submodule and an
    attribute (not a module) of the same name, the attribute wins.

    Args:
        obj_name: A dotted path such as ``'torch.optim.sgd.SGD'``.

    Returns:
        The module, class, function or attribute, or None.

    Examples:
        >>> get_object_from_string('os.path.join') is __import__('os').path.join
        True
    """
    parts = iter(obj_name.split('.'))
    module_name = next(parts)
    try:
        module = import_module(module_name)
    except ImportError:
        return None
    for part in parts:
        obj = getattr(module, part, None)
        if obj is not None and not ismodule(obj):
            return _iter_object_path(parts, obj)
        module_name = f'{module_name}.{part}'
        try:
            module = import_module(module_name)
        except ImportError:
            return None
    return module
