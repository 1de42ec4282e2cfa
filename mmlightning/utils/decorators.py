"""Decorators for prerequisites and deprecations (MMEngine's ``utils/misc.py``)."""
from __future__ import annotations

import functools
import logging
import re
import shutil
import textwrap
import warnings
from collections.abc import Callable
from importlib import import_module
from inspect import getfullargspec
from typing import Any

from .errors import AssertValueError

_PREREQUISITE_MSG = ('Prerequisites "{}" are required in method "{}" but not found, '
                     'please install them first.')


def check_prerequisites(
    prerequisites: str | list[str],
    checker: Callable[[str], bool],
    msg_tmpl: str = _PREREQUISITE_MSG,
) -> Callable[[Callable], Callable]:
    """Build a decorator that checks prerequisites each time the function is called.

    Args:
        prerequisites: One prerequisite or a list of them.
        checker: Returns True when a prerequisite is met.
        msg_tmpl: Error message template; formatted with the missing prerequisites
            (comma separated) and the function name.

    Returns:
        The decorator.

    Raises:
        RuntimeError: (from the decorated function) if a prerequisite is missing; the
            message is also printed, as MMEngine does.
    """
    requirements = [prerequisites] if isinstance(prerequisites, str) else list(prerequisites)

    def wrap(func: Callable) -> Callable:

        @functools.wraps(func)
        def wrapped_func(*args: Any, **kwargs: Any) -> Any:
            missing = [item for item in requirements if not checker(item)]
            if missing:
                message = msg_tmpl.format(', '.join(missing), func.__name__)
                print(message)  # as MMEngine does; the error carries it too
                raise RuntimeError('Prerequisites not meet. ' + message)
            return func(*args, **kwargs)

        return wrapped_func

    return wrap


def _check_py_package(package: str) -> bool:
    try:
        import_module(package)
    except ImportError:
        return False
    return True


def _check_executable(cmd: str) -> bool:
    return shutil.which(cmd) is not None


def requires_package(prerequisites: str | list[str]) -> Callable[[Callable], Callable]:
    """Decorator raising ``RuntimeError`` at call time unless the Python modules import.

    Examples:
        >>> @requires_package('json')
        ... def dump(x):
        ...     import json
        ...     return json.dumps(x)
        >>> dump(1)
        '1'
    """
    return check_prerequisites(prerequisites, checker=_check_py_package)


def requires_executable(prerequisites: str | list[str]) -> Callable[[Callable], Callable]:
    """Decorator raising ``RuntimeError`` at call time unless the executables are on PATH."""
    return check_prerequisites(prerequisites, checker=_check_executable)


def deprecated_api_warning(name_dict: dict[str, str],
                           cls_name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator that renames deprecated keyword arguments, with a ``DeprecationWarning``.

    Args:
        name_dict: Maps deprecated argument names to their new names.
        cls_name: Class name used in the warning (``Cls.method``).

    Returns:
        The decorator.

    Raises:
        ValueError: (from the decorated function) if both the old and the new name
            are passed (also an ``AssertionError``, as MMEngine asserts it).
    """

    def api_warning_wrapper(old_func: Callable) -> Callable:
        positional_names = getfullargspec(old_func).args
        func_name = old_func.__name__ if cls_name is None else f'{cls_name}.{old_func.__name__}'

        def warn(src: str, dst: str) -> None:
            warnings.warn(f'"{src}" is deprecated in `{func_name}`, please use "{dst}" instead',
                          DeprecationWarning, stacklevel=3)

        @functools.wraps(old_func)
        def new_func(*args: Any, **kwargs: Any) -> Any:
            arg_names = positional_names[:len(args)]
            for src_arg_name, dst_arg_name in name_dict.items():
                if src_arg_name in arg_names:
                    warn(src_arg_name, dst_arg_name)
                if src_arg_name in kwargs:
                    if dst_arg_name in kwargs:
                        raise AssertValueError(
                            f'`{func_name}` got both the deprecated argument `{src_arg_name}` '
                            f'and its replacement `{dst_arg_name}`; pass only '
                            f'`{dst_arg_name}`.')
                    warn(src_arg_name, dst_arg_name)
                    kwargs[dst_arg_name] = kwargs.pop(src_arg_name)
            return old_func(*args, **kwargs)

        return new_func

    return api_warning_wrapper


def _deprecation_docstring(doc: str | None, since: str, removed_in: str,
                           instructions: str) -> str:
    """Prefix ``doc`` with a ``.. deprecated::`` note, the rest indented under it."""
    indent = '    '
    note = textwrap.dedent(f"""\
        .. deprecated:: {since}
            Deprecated and will be removed in version {removed_in}.
            Please {instructions}.
        """)
    summary, *rest = re.split('\n\n', doc or '', maxsplit=1)
    summary = '\n'.join(textwrap.dedent(line) for line in summary.split('\n'))
    parts = [note, '\n\n', textwrap.indent(summary, prefix=indent)]
    if rest:
        parts += ['\n\n', textwrap.indent(textwrap.dedent(rest[0]), indent)]
    return ''.join(parts)


def deprecated_function(since: str, removed_in: str, instructions: str) -> Callable:
    """Mark a function as deprecated.

    Each call logs a WARNING on the ``mmlightning`` logger, and the docstring gets a
    ``.. deprecated::`` note.

    Args:
        since: Version in which the function was deprecated.
        removed_in: Version in which it will be removed.
        instructions: What users should do instead (completes "Please ...").

    Returns:
        The decorator.
    """

    def decorator(function: Callable) -> Callable:

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            logging.getLogger('mmlightning').warning(
                f"'{function.__module__}.{function.__name__}' is deprecated in version "
                f'{since} and will be removed in version {removed_in}. Please {instructions}.')
            return function(*args, **kwargs)

        wrapper.__doc__ = _deprecation_docstring(function.__doc__, since, removed_in,
                                                 instructions)
        return wrapper

    return decorator
