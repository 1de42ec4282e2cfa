"""``ConfigDict``: a dict with attribute access that knows where it sits in its config."""
from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from mmlightning.utils.suggestions import did_you_mean

from .errors import ConfigKeyError
from .interpolation import has_interpolation, resolve
from .lazy import LAZY_TYPES

DELETE_KEY = '_delete_'
_MISSING = object()


class ConfigDict(dict):
    """A ``dict`` whose keys are also attributes, as MMEngine's ``ConfigDict``.

    Nested plain dicts (also inside lists and tuples) become ``ConfigDict``
    on assignment. Every ``ConfigDict`` knows its dotted :attr:`key_path` in
    the config, so errors can say where they happened. On access, ``${...}``
    interpolations are resolved and lazily imported objects of pure-Python
    configs are imported (unless :attr:`lazy` is set).

    Example::

        >>> cfg = ConfigDict(model=dict(type='ResNet', depth=50))
        >>> cfg.model.depth
        50
        >>> cfg.model.key_path
        'model'
    """

    lazy: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        object.__setattr__(self, '_parent', None)
        object.__setattr__(self, '_key', '')
        for source in (*args, kwargs):
            if not source:
                continue
            items = dict.items(source) if isinstance(source, dict) else (
                [source] if isinstance(source, tuple) and not isinstance(source[0], tuple)
                else source)
            for key, value in items:
                self[key] = value

    # ------------------------------------------------------------ location
    @property
    def key_path(self) -> str:
        """Dotted path of this dict in its config (``''`` for the root)."""
        parts = []
        node: ConfigDict | None = self
        while node is not None and node._parent is not None:
            parts.append(node._key)
            node = node._parent
        return '.'.join(reversed(parts))

    @property
    def parent_dict(self) -> ConfigDict | None:
        """The ``ConfigDict`` holding this one, or ``None`` at the root."""
        return self._parent

    @property
    def root_dict(self) -> ConfigDict:
        """The outermost ``ConfigDict`` of this config."""
        node = self
        while node._parent is not None:
            node = node._parent
        return node

    def _attach(self, value: Any, key: str) -> Any:
        """Convert plain dicts to ``ConfigDict`` and point them at this dict."""
        if type(value) in (dict, OrderedDict):
            value = ConfigDict(value)
        if isinstance(value, ConfigDict):
            object.__setattr__(value, '_parent', self)
            object.__setattr__(value, '_key', key)
        elif isinstance(value, (list, tuple)):
            items = [self._attach(item, f'{key}.{i}') for i, item in enumerate(value)]
            value = type(value)(*items) if hasattr(value, '_fields') else type(value)(items)
        return value

    # ---------------------------------------------------------- resolution
    def _resolve(self, key: Any, value: Any) -> Any:
        if isinstance(value, LAZY_TYPES) and not ConfigDict.lazy:
            return value.build()
        if has_interpolation(value):
            return resolve(value, self, key)
        if isinstance(value, (list, tuple)) and _holds_interpolation(value):
            items = [self._resolve(f'{key}.{i}', item) for i, item in enumerate(value)]
            return type(value)(*items) if hasattr(value, '_fields') else type(value)(items)
        return value

    def _missing_key_message(self, key: Any) -> str:
        path = f'{self.key_path}.{key}' if self.key_path else str(key)
        return (f"'{path}' is not in the config.{did_you_mean(str(key), map(str, self.keys()))}"
                f" Keys here: {', '.join(map(str, self.keys())) or '(none)'}")

    # ------------------------------------------------------ dict interface
    def __getitem__(self, key: Any) -> Any:
        try:
            value = dict.__getitem__(self, key)
        except KeyError:
            raise ConfigKeyError(self._missing_key_message(key)) from None
        return self._resolve(key, value)

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, self._attach(value, str(key)))

    def __getattr__(self, name: str) -> Any:
        try:
            value = dict.__getitem__(self, name)
        except KeyError:
            if name.startswith('__'):
                raise AttributeError(name) from None
            raise AttributeError(self._missing_key_message(name)) from None
        return self._resolve(name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(self._missing_key_message(name)) from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(k for k in self.keys() if isinstance(k, str))]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def get(self, key: Any, default: Any = None) -> Any:
        """Value of ``key`` (resolved), or ``default``."""
        value = dict.get(self, key, _MISSING)
        return default if value is _MISSING else self._resolve(key, value)

    def pop(self, key: Any, default: Any = None) -> Any:
        """Remove ``key`` and return its value (resolved), or ``default`` (MMEngine: ``None``)."""
        value = dict.pop(self, key, _MISSING)
        return default if value is _MISSING else self._resolve(key, value)

    def values(self) -> list[Any]:  # type: ignore[override]
        """The values, resolved (a list, as in MMEngine)."""
        return [self._resolve(k, v) for k, v in dict.items(self)]

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        """The ``(key, value)`` pairs, values resolved (a list, as in MMEngine)."""
        return [(k, self._resolve(k, v)) for k, v in dict.items(self)]

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Set ``key`` to ``default`` if missing; return its value."""
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Update recursively: a dict value merges into an existing dict value (MMEngine)."""
        if len(args) > 1:
            raise TypeError(f'update takes at most 1 positional argument, got {len(args)}')
        other: dict[Any, Any] = {}
        for source in (*args, kwargs):
            other.update(dict.items(source) if isinstance(source, dict) else source)
        for key, value in other.items():
            current = dict.get(self, key, _MISSING)
            if isinstance(current, ConfigDict) and isinstance(value, dict):
                current.update(value)
            else:
                self[key] = value

    def merge(self, other: Mapping[str, Any]) -> None:
        """Merge ``other`` in recursively, honouring ``_delete_=True`` (lazy-config semantics)."""
        def merge_into(a: Any, b: Any) -> Any:
            if not isinstance(a, dict):
                return b if a is _MISSING else a
            if not isinstance(b, dict):
                return {k: v for k, v in a.items() if k != DELETE_KEY}
            if a.get(DELETE_KEY, False):
                b = {}
            keys = list(dict.fromkeys([*b.keys(), *a.keys()]))
            return {k: merge_into(a.get(k, _MISSING), b.get(k, _MISSING))
                    for k in keys if k != DELETE_KEY}

        merged = merge_into(_to_plain(copy.deepcopy(other), raw=True),
                            _to_plain(copy.deepcopy(self), raw=True))
        self.clear()
        for key, value in merged.items():
            self[key] = value

    # -------------------------------------------------------------- copies
    def __copy__(self) -> ConfigDict:
        other = ConfigDict()
        for key, value in dict.items(self):
            dict.__setitem__(other, key, value)
        return other

    copy = __copy__  # type: ignore[assignment]

    def deepcopy(self) -> ConfigDict:
        """``copy.deepcopy(self)``: addict's method, which OpenMMLab code calls on
        MMEngine's ConfigDict (mmdet's ``MaskFormer``: ``panoptic_head.deepcopy()``)."""
        return copy.deepcopy(self)

    def __deepcopy__(self, memo: dict) -> ConfigDict:
        """A deep copy that keeps its place: key paths and interpolations still work."""
        other = ConfigDict()
        memo[id(self)] = other
        if self._parent is not None:
            object.__setattr__(other, '_parent', memo.get(id(self._parent), self._parent))
            object.__setattr__(other, '_key', self._key)
        for key, value in dict.items(self):
            other[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
        return other

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (self.__class__, (dict(dict.items(self)),))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConfigDict):
            return self.to_dict() == other.to_dict()
        if isinstance(other, dict):
            return dict(self.items()) == other
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(_to_plain(self, raw=True, keep_lazy=True))

    # --------------------------------------------------------- conversion
    def to_dict(self) -> dict:
        """A plain ``dict`` copy, recursively: interpolations resolved, lazy imports as strings."""
        return _to_plain(self, raw=False)

    def _to_lazy_dict(self) -> dict:
        """A plain ``dict`` copy that keeps lazy imports and raw interpolations."""
        return _to_plain(self, raw=True, keep_lazy=True)


def _holds_interpolation(items: list | tuple) -> bool:
    return any(has_interpolation(item) or (isinstance(item, (list, tuple))
                                           and _holds_interpolation(item)) for item in items)


def _to_plain(value: Any, raw: bool, keep_lazy: bool = False) -> Any:
    """Plain containers of ``value``; ``raw`` keeps ``${...}`` strings unresolved."""
    if isinstance(value, ConfigDict):
        return {k: _to_plain(v if raw or isinstance(v, LAZY_TYPES) else value._resolve(k, v),
                             raw, keep_lazy)
                for k, v in dict.items(value)}
    if isinstance(value, dict):
        return {k: _to_plain(v, raw, keep_lazy) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_to_plain(item, raw, keep_lazy) for item in value]
        return type(value)(*items) if hasattr(value, '_fields') else type(value)(items)
    if isinstance(value, LAZY_TYPES) and not keep_lazy:
        return value.dotted()
    return value
