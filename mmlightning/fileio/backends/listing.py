"""Argument checks shared by the backends' ``list_dir_or_file``."""
from __future__ import annotations

LOCAL_MISMATCH = ('`suffix` should be None when `list_dir` is True; pass list_dir=False to '
                  'filter files by suffix')


def check_list_args(list_dir: bool, suffix: object, mismatch: str = LOCAL_MISMATCH) -> None:
    """Raise MMEngine's errors for a ``suffix`` that cannot be used.

    ``mismatch`` is the message for a ``suffix`` given with ``list_dir=True`` (MMEngine's
    backends word it differently).

    Raises:
        TypeError: If ``suffix`` is given with ``list_dir=True`` or is not a str/tuple.
    """
    if list_dir and suffix is not None:
        raise TypeError(mismatch)
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(f'`suffix` must be a string or tuple of strings, got {suffix!r}')
