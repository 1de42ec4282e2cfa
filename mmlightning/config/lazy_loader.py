"""Pure-Python configs: ``with read_base(): from .base import *`` and imports as values.

Imports outside ``read_base`` become :class:`LazyObject` values, so reading
the config imports nothing; the standard library is imported for real.
Names bound by imports are remembered and left out of ``to_dict``.
"""
from __future__ import annotations

import ast
import copy
import os.path as osp
import sys
import types
from typing import Any

from .config_dict import ConfigDict
from .errors import ConfigParsingError
from .lazy import LazyObject, read_base
from .loader import LoadedConfig, parse_python, record_provenance
from .package_paths import package_dir
from .provenance import Origin, python_line_map

_CONFIG_MODULES = ('mmengine.config', 'mmlightning.config')


def _is_stdlib(module: str) -> bool:
    top = module.split('.')[0]
    return top in sys.stdlib_module_names or top in sys.builtin_module_names


def _is_config_module(module: str | None) -> bool:
    return bool(module) and module.startswith(_CONFIG_MODULES)  # type: ignore[union-attr]


def is_real_import(module: str) -> bool:
    """Whether a config's import of ``module`` runs for real (standard library, the config
    package itself) instead of becoming a :class:`LazyObject`."""
    return _is_stdlib(module) or _is_config_module(module)


def is_lazy_import(text: str, filename: str) -> bool:
    """Whether a ``.py`` config is pure-Python style (MMEngine's detection rules).

    A ``_base_ = ...`` assignment means it is not; a ``with read_base():``, a
    relative import or an import of a non-standard-library module means it is.

    Raises:
        ConfigParsingError: If a ``with`` block uses anything but ``read_base()``.
    """
    for node in ast.walk(parse_python(text, filename)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == '_base_':
            return False
        if isinstance(node, ast.With):
            expr = node.items[0].context_expr
            if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
                    and expr.func.id == 'read_base'):
                raise ConfigParsingError(f'{filename}:{node.lineno}: only `with read_base():` '
                                         'may be used in a config')
            return True
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return True
            if node.module in ('mmengine', 'mmlightning') and \
                    [alias.name for alias in node.names] == ['Config']:
                continue  # `from mmengine import Config` to read other configs (MMEngine rule)
            if node.module and not _is_config_module(node.module) \
                    and not _is_stdlib(node.module):
                return True
        if isinstance(node, ast.Import) and any(
                not _is_stdlib(alias.name) and not _is_config_module(alias.name)
                for alias in node.names):
            return True
    return False


def _base_module_path(node: ast.ImportFrom, filename: str) -> str:
    module = node.module or ''
    if node.level:
        parts = ['..'] * (node.level - 1) + module.split('.')
        path = osp.join(osp.dirname(filename), *parts) + '.py'
    else:
        package, _, rest = module.partition('.')
        root = package_dir(package)
        if not rest or root is None:
            raise ConfigParsingError(
                f'{filename}:{node.lineno}: `from {module} import ...` in read_base() must name '
                'a config module, relative (from .base import *) or inside an installed '
                'package (from mmdet.configs.retinanet import *)')
        path = osp.join(root, *rest.split('.')) + '.py'
    if not osp.isfile(path):
        raise FileNotFoundError(f"base config '{'.' * node.level}{module}' not found: tried "
                                f'{osp.abspath(path)} (imported at {filename}:{node.lineno})')
    return osp.abspath(path)


class _ImportRewriter(ast.NodeTransformer):
    """Turns imports into ``LazyObject`` assignments and ``read_base`` blocks into base loads."""

    def __init__(self, loader: LazyLoader, filename: str, chain: tuple[str, ...]) -> None:
        self.loader = loader
        self.filename = filename
        self.chain = chain
        self.imported: set[str] = set()
        self.bases: list[LoadedConfig] = []
        self.package_modules: dict[str, list[str]] = {}

    def _location(self, node: ast.stmt) -> str:
        return f'{self.filename}, line {node.lineno}'

    def _assign(self, name: str, call_args: list[Any], node: ast.stmt) -> ast.Assign:
        self.imported.add(name)
        call = ast.Call(func=ast.Name('__lazy_object__', ast.Load()),
                        args=[ast.Constant(a) if not isinstance(a, list)
                              else ast.List([ast.Constant(x) for x in a], ast.Load())
                              for a in call_args],
                        keywords=[ast.keyword('location', ast.Constant(self._location(node)))])
        return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], call), node)

    def visit_With(self, node: ast.With) -> Any:
        expr = node.items[0].context_expr
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
                and expr.func.id == 'read_base'):
            raise ConfigParsingError(f'{self.filename}:{node.lineno}: only `with read_base():` '
                                     'may be used in a config')
        names: list[ast.stmt] = []
        for statement in node.body:
            if not isinstance(statement, ast.ImportFrom):
                raise ConfigParsingError(f'{self.filename}:{statement.lineno}: only '
                                         '`from ... import ...` of configs may appear in '
                                         'read_base()')
            path = _base_module_path(statement, self.filename)
            if path in (*self.chain, self.filename):
                cycle = ' -> '.join([*self.chain, self.filename, path])
                raise ConfigParsingError(f'cyclic read_base() imports: {cycle}')
            loaded = self.loader.load(path, (*self.chain, self.filename))
            selected = self._select(loaded, statement, path)
            self.bases.append(selected)
            names.append(ast.copy_location(ast.Expr(ast.Call(
                ast.Name('__inject_base__', ast.Load()), [ast.Constant(len(self.bases) - 1)],
                [])), statement))
        return names

    def _select(self, loaded: LoadedConfig, statement: ast.ImportFrom,
                path: str) -> LoadedConfig:
        if any(alias.name == '*' for alias in statement.names):
            self.imported |= loaded.imported_names
            return loaded
        cfg, history = {}, {}
        for alias in statement.names:
            if alias.name not in loaded.cfg:
                raise ImportError(f'cannot import {alias.name} from base config {path} '
                                  f'({self.filename}:{statement.lineno})')
            name = alias.asname or alias.name
            cfg[name] = loaded.cfg[alias.name]
            for key, origins in loaded.provenance.items():
                if key == alias.name or key.startswith(alias.name + '.'):
                    history[name + key[len(alias.name):]] = origins
        return LoadedConfig(cfg, loaded.text, loaded.env_variables, history)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        module = node.module or ''
        if node.level:
            raise ConfigParsingError(f'{self.filename}:{node.lineno}: relative imports of '
                                     'configs must be inside `with read_base():`')
        if _is_config_module(module):
            for alias in node.names:
                self.imported.add(alias.asname or alias.name)
            return ast.copy_location(ast.Assign(
                [ast.Tuple([ast.Name(alias.asname or alias.name, ast.Store())
                            for alias in node.names], ast.Store())],
                ast.Tuple([ast.Name('__read_base__', ast.Load()) for _ in node.names],
                          ast.Load())), node)
        if _is_stdlib(module):
            self.imported |= {alias.asname or alias.name for alias in node.names}
            return node
        if any(alias.name == '*' for alias in node.names):
            raise ConfigParsingError(f'{self.filename}:{node.lineno}: `from {module} import *` '
                                     'is only allowed for base configs inside read_base()')
        return [self._assign(alias.asname or alias.name, [module, alias.name], node)
                for alias in node.names]

    def visit_Import(self, node: ast.Import) -> Any:
        statements: list[ast.stmt] = []
        for alias in node.names:
            if _is_stdlib(alias.name):
                self.imported.add(alias.asname or alias.name.split('.')[0])
                statements.append(ast.copy_location(ast.Import([alias]), node))
            elif alias.asname:
                statements.append(self._assign(alias.asname, [alias.name], node))
            else:
                top = alias.name.split('.')[0]
                modules = self.package_modules.setdefault(top, [])
                modules.append(alias.name)
                statements.append(self._assign(top, [sorted(set(modules))], node))
        return statements


def _as_config_dicts(cfg: dict) -> dict:
    """Deep copies of a base's values, dicts as ``ConfigDict`` (their ``update`` merges)."""
    return {key: ConfigDict(value) if isinstance(value, dict) else value
            for key, value in copy.deepcopy(cfg).items()}


class LazyLoader:
    """Reads pure-Python configs and their ``read_base()`` chain."""

    def load(self, filename: str, chain: tuple[str, ...] = ()) -> LoadedConfig:
        """Read ``filename`` (absolute path) with its bases.

        Raises:
            ConfigParsingError: On a base that is not pure-Python, a cycle, or a
                misused import.
        """
        with open(filename, encoding='utf-8') as f:
            text = f.read()
        if chain and not is_lazy_import(text, filename) and '_base_' in text:
            raise ConfigParsingError(
                f'{filename} uses _base_ but is imported by the pure-Python config '
                f'{chain[-1]}: one inheritance chain cannot mix both styles')
        rewriter = _ImportRewriter(self, filename, chain)
        module = ast.fix_missing_locations(rewriter.visit(parse_python(text, filename)))
        namespace: dict[str, Any] = {
            '__file__': filename, '__lazy_object__': LazyObject, '__read_base__': read_base,
            '__inject_base__': lambda i: namespace.update(_as_config_dicts(rewriter.bases[i].cfg)),
        }
        ConfigDict.lazy = True  # keep lazy imports unbuilt while the config runs
        try:
            exec(compile(module, filename, 'exec'), namespace)
        finally:
            ConfigDict.lazy = False
        own = {key: value for key, value in namespace.items()
               if not key.startswith('__')
               and not isinstance(value, (types.FunctionType, types.ModuleType))}
        base: dict = {}
        history: dict[str, list[Origin]] = {}
        for loaded in rewriter.bases:
            base.update(loaded.cfg)
            history.update(loaded.provenance)
        history = record_provenance(history, own, base, own, filename, python_line_map(text))
        texts = [loaded.text for loaded in rewriter.bases]
        return LoadedConfig(own, '\n'.join([*texts, f'{filename}\n{text}']), {}, history,
                            rewriter.imported)
