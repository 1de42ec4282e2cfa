"""Provenance: which file (and line) set each config key, and what it overrode.

Leaf keys are tracked: a path through dicts ends at a value that is not a dict
(lists are leaves, since lists are replaced whole). Each leaf keeps its history
of :class:`Origin` records, oldest first.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass(frozen=True)
class Origin:
    """One assignment of a key.

    Attributes:
        key: Dotted key path that was set.
        file: The config file that set it, or a label such as ``'<cfg-options>'``.
        line: Line in ``file`` where known.
        value: The value set there.
    """

    key: str
    file: str
    line: int | None
    value: Any

    def __str__(self) -> str:
        where = f'{self.file}:{self.line}' if self.line else self.file
        return f'{where}  {self.key} = {self.value!r}'


@dataclass
class KeyExplanation:
    """Where a config key's final value came from (see :meth:`Config.explain`).

    Attributes:
        key: The key asked about.
        value: Its final value.
        origins: Every assignment of the key (or of the leaves under it),
            oldest first; the last one per leaf is the one in effect.
    """

    key: str
    value: Any
    origins: list[Origin] = field(default_factory=list)

    @property
    def set_by(self) -> Origin | None:
        """The assignment in effect (the newest), if any was recorded."""
        return self.origins[-1] if self.origins else None

    @property
    def overridden(self) -> list[Origin]:
        """Earlier assignments that a later one replaced."""
        final = {}
        for origin in self.origins:
            final[origin.key] = origin
        return [o for o in self.origins if final[o.key] is not o]

    def __str__(self) -> str:
        lines = [f'{self.key} = {self.value!r}']
        overridden = {id(o) for o in self.overridden}
        for origin in self.origins:
            mark = 'overridden' if id(origin) in overridden else 'in effect '
            lines.append(f'  {mark}  {origin}')
        return '\n'.join(lines)


def iter_leaves(tree: Mapping[str, Any], prefix: str = '') -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted path, value)`` for every leaf of nested dicts."""
    for key, value in dict.items(tree) if isinstance(tree, dict) else tree.items():
        path = f'{prefix}.{key}' if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from iter_leaves(value, path)
        else:
            yield path, value


def _target_path(node: ast.AST) -> str | None:
    """Dotted path of an assignment target: ``a``, ``a.b``, ``a['b']``."""
    if isinstance(node, ast.Name):
        return node.id
    head = None
    if isinstance(node, ast.Attribute):
        head, tail = _target_path(node.value), node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        head, tail = _target_path(node.value), node.slice.value
    return f'{head}.{tail}' if head else None


def _value_lines(node: ast.AST, path: str, lines: dict[str, int]) -> None:
    """Record the line of every key of a ``dict(...)`` call or ``{...}`` literal."""
    pairs: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict':
        pairs = [(kw.arg, kw.value) for kw in node.keywords if kw.arg is not None]
    elif isinstance(node, ast.Dict):
        pairs = [(str(k.value), v) for k, v in zip(node.keys, node.values)
                 if isinstance(k, ast.Constant)]
    for key, value in pairs:
        lines[f'{path}.{key}'] = value.lineno  # type: ignore[attr-defined]
        _value_lines(value, f'{path}.{key}', lines)


def python_line_map(source: str) -> dict[str, int]:
    """Map dotted key paths to the line that assigns them in a ``.py`` config."""
    lines: dict[str, int] = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            path = _target_path(target)
            if path:
                lines[path] = statement.lineno
                _value_lines(value, path, lines)
    return lines


def yaml_line_map(source: str) -> dict[str, int]:
    """Map dotted key paths to their line in a YAML or JSON config."""
    lines: dict[str, int] = {}

    def visit(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = f'{path}.{key_node.value}' if path else str(key_node.value)
                lines[key_path] = key_node.start_mark.line + 1
                visit(value_node, key_path)

    try:
        root = yaml.compose(source, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
    except yaml.YAMLError:
        return lines
    if root is not None:
        visit(root, '')
    return lines
