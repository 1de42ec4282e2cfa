"""Where a config sits in the whole config (``model.backbone``, ``param_scheduler[1]``), for errors.

A ``ConfigDict`` knows its place (:attr:`ConfigDict.key_path`). Plain dicts, as
in ``Runner(model=dict(...))``, do not; :func:`located` names them (and the
dicts and lists nested in them) for the duration of a build, so that the
registry's errors say where the failing config came from also then, and for
nested builds such as a model building its ``backbone`` from the dict it was
given.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: ``(config object, key path)`` pairs named by the enclosing :func:`located` calls.
_LOCATED: ContextVar[tuple[tuple[Any, str], ...]] = ContextVar('mmlightning_located_configs',
                                                               default=())


def _brackets(path: str) -> str:
    """``'param_scheduler.1'`` -> ``'param_scheduler[1]'``."""
    return re.sub(r'\.(\d+)(?=\.|\[|$)', r'[\1]', path)


def key_path_of(cfg: Any) -> str | None:
    """The key path of ``cfg`` in its config, or ``None`` when nothing knows it.

    A name given by an enclosing :func:`located` comes first, then a
    ``ConfigDict``'s own place.

    Args:
        cfg: A config dict (a ``ConfigDict`` or a dict named by :func:`located`).

    Returns:
        str | None: E.g. ``'train_dataloader.dataset'``, ``'custom_hooks[0]'``.
    """
    for obj, known in reversed(_LOCATED.get()):
        if obj is cfg:
            return known
    path = getattr(cfg, 'key_path', None)
    return _brackets(path) if isinstance(path, str) and path else None


def _walk(value: Any, path: str, seen: set[int]) -> Iterator[tuple[Any, str]]:
    """``value`` and the dicts/lists inside it (each once), each with its key path."""
    if not isinstance(value, (dict, list, tuple)) or id(value) in seen:
        return
    seen.add(id(value))
    yield value, path
    if isinstance(value, dict):
        for key, item in dict.items(value):  # dict's own items: no interpolation resolved
            yield from _walk(item, f'{path}.{key}', seen)
    else:
        for index, item in enumerate(value):
            yield from _walk(item, f'{path}[{index}]', seen)


@contextmanager
def located(cfg: Any, path: str | None) -> Iterator[None]:
    """Name ``cfg`` (and what is nested in it) ``path`` while the block builds from it.

    The name wins over a ``ConfigDict``'s own :attr:`key_path` (callers pass
    :func:`key_path_of` of the original config where it has one);
    ``path=None`` names nothing. The names hold for these very objects (a
    copy made inside the block is not named).

    Args:
        cfg: A config dict or list, as given by the user.
        path: Its key path (``'model'``, ``'param_scheduler[1]'``).

    Example::

        >>> with located(model_cfg, 'model'):   # doctest: +SKIP
        ...     model = MODELS.build(model_cfg)  # errors say 'while building model.backbone'
    """
    if not path:
        yield
        return
    token = _LOCATED.set(_LOCATED.get() + tuple(_walk(cfg, path, set())))
    try:
        yield
    finally:
        _LOCATED.reset(token)
