"""``${a.b}`` interpolation in config values, in OmegaConf's syntax, resolved on access.

OmegaConf's grammar parses the string: absolute (``${model.depth}``) and
relative (``${.depth}``, ``${..lr}``) references, nested interpolations
(``${a.${b}}``), escapes (``\\${not.this}``) and resolvers that need no
OmegaConf container (``${oc.env:HOME}``, ``${oc.env:VAR,default}`` and any
registered with ``OmegaConf.register_new_resolver``). The referenced values
come from the :class:`ConfigDict` tree, so the values keep their Python types.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from mmlightning.utils.suggestions import did_you_mean

from .errors import ConfigKeyError, ConfigParsingError

if TYPE_CHECKING:
    from .config_dict import ConfigDict

_resolving = threading.local()


def has_interpolation(value: Any) -> bool:
    """Whether ``value`` is a string that holds a ``${...}`` interpolation."""
    return type(value) is str and '${' in value


def _lookup(node: Any, parts: list[str], ref: str, used_at: str) -> Any:
    from .config_dict import ConfigDict

    walked: list[str] = []
    for part in parts:
        if isinstance(node, ConfigDict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.lstrip('-').isdigit() \
                and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            options = list(node) if isinstance(node, dict) else []
            where = '.'.join(walked) or '<root>'
            raise ConfigKeyError(
                f"interpolation '${{{ref}}}' used at '{used_at}' refers to a missing key: "
                f"'{part}' is not in '{where}'.{did_you_mean(part, map(str, options))}")
        walked.append(part)
    return node


def _relative_base(container: ConfigDict, dots: int) -> ConfigDict:
    node = container
    for _ in range(dots - 1):
        parent = node.parent_dict
        if parent is None:
            raise ConfigKeyError(f'relative interpolation with {dots} dots climbs above the root '
                                 f"(from '{container.key_path or '<root>'}')")
        node = parent
    return node


def resolve(value: str, container: ConfigDict, key: str) -> Any:
    """Resolve the interpolations of ``value``, stored under ``key`` in ``container``.

    Returns:
        The referenced value itself when ``value`` is a single interpolation
        (types are kept), else the string with each interpolation replaced.

    Raises:
        ConfigKeyError: If a reference names a missing key.
        ConfigParsingError: If the string is not valid interpolation syntax, a
            reference cycle exists, or the resolver is unknown.
    """
    from omegaconf import OmegaConf, grammar_parser
    from omegaconf.errors import GrammarParseError
    from omegaconf.grammar_visitor import GrammarVisitor

    used_at = f'{container.key_path}.{key}' if container.key_path else str(key)
    active: set[str] = getattr(_resolving, 'active', None) or set()
    if used_at in active:
        raise ConfigParsingError(f"interpolation cycle through '{used_at}': "
                                 f"{' -> '.join(sorted(active))}")

    def on_node(inter_key: Any, memo: Any) -> Any:
        raw = getattr(inter_key, 'raw', inter_key)
        dots = len(raw) - len(raw.lstrip('.'))
        parts = [p for p in raw[dots:].split('.') if p]
        base = container.root_dict if dots == 0 else _relative_base(container, dots)
        return _lookup(base, parts, raw, used_at)

    def on_resolver(name: str, args: tuple, args_str: tuple) -> Any:
        resolver = OmegaConf._get_resolver(name)
        if resolver is None:
            raise ConfigParsingError(f"unknown interpolation resolver '{name}' at '{used_at}'; "
                                     'register it with OmegaConf.register_new_resolver')
        try:
            return resolver(None, None, None, args, args_str)
        except AttributeError as error:
            raise ConfigParsingError(
                f"resolver '{name}' at '{used_at}' needs an OmegaConf container, which "
                'mmlightning configs are not; only resolvers such as oc.env work') from error

    try:
        tree = grammar_parser.parse(value)
    except GrammarParseError as error:
        raise ConfigParsingError(f"bad interpolation {value!r} at '{used_at}': {error}") from error
    _resolving.active = active | {used_at}
    try:
        return GrammarVisitor(on_node, on_resolver, memo=None).visit(tree)
    finally:
        _resolving.active = active
