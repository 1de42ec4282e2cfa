"""MMEngine's AST rewrite of a pure-Python config's imports (``ImportTransformer``).

``Config.fromfile`` reads pure-Python configs with :mod:`.lazy_loader`; this module
gives code written against ``mmengine.config.utils`` the same two tools MMEngine's
loader is built from, with MMEngine's contract:

- :class:`ImportTransformer` turns ``from m import x`` and ``import m as x`` into
  ``x = LazyObject(...)`` assignments (the name ``LazyObject`` must be in the
  namespace the result runs in), copies the variables of base configs named in
  ``base_dict`` into ``global_dict``, and leaves standard-library and
  ``mmlightning.config``/``mmengine.config`` imports as real imports.
- :func:`_gather_abs_import_lazyobj` merges ``import a.b`` / ``import a.c`` into
  one ``a = LazyObject(['a.b', 'a.c'])`` at the top of the module.
"""
from __future__ import annotations

import ast
from typing import Any

from .errors import ConfigParsingError
from .lazy_loader import is_real_import


def _lazy_assign(name: str, args: list[Any], location: str, node: ast.AST) -> ast.Assign:
    """``name = LazyObject(*args, location=location)`` at ``node``'s position."""
    call = ast.Call(
        func=ast.Name('LazyObject', ast.Load()),
        args=[ast.List([ast.Constant(a) for a in arg], ast.Load()) if isinstance(arg, list)
              else ast.Constant(arg) for arg in args],
        keywords=[ast.keyword('location', ast.Constant(location))])
    return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], call), node)


class ImportTransformer(ast.NodeTransformer):
    """Rewrite the imports of a parsed pure-Python config (MMEngine's ``ImportTransformer``).

    Args:
        global_dict: Namespace the rewritten module will run in; base-config
            variables imported with ``from <base> import ...`` are put into it.
        base_dict: Variables of the base configs, keyed by the module exactly as
            written in the import (``'._base_.default_runtime'``).
        filename: Config file name, for the ``location`` of each lazy object.

    Attributes:
        imported_obj: Names bound by imports (left out of the config's values).

    Examples:
        >>> import ast
        >>> tree = ast.parse('from torch.optim import SGD')
        >>> namespace = {'LazyObject': LazyObject}
        >>> tree = ast.fix_missing_locations(ImportTransformer(namespace).visit(tree))
        >>> exec(compile(tree, '<config>', 'exec'), namespace)
        >>> namespace['SGD'].dotted()
        'torch.optim.SGD'
    """

    def __init__(self, global_dict: dict, base_dict: dict | None = None,
                 filename: str | None = None) -> None:
        super().__init__()
        self.global_dict = global_dict
        self.base_dict = base_dict if base_dict is not None else {}
        self.filename = filename
        self.imported_obj: set[str] = set()

    def _location(self, node: ast.AST) -> str:
        return f'{self.filename}, line {node.lineno}'  # type: ignore[attr-defined]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.stmt | list[ast.stmt] | None:
        """``from m import x [as y]``: a base variable, a real import, or ``LazyObject``s.

        Raises:
            ConfigParsingError: For ``from m import *`` of a module that is not a
                base config in ``base_dict``.
        """
        module = f'{"." * node.level}{node.module or ""}'
        if module in self.base_dict:
            variables = self.base_dict[module]
            for alias in node.names:
                if alias.name == '*':
                    self.global_dict.update(variables)
                    return None
                if alias.name not in variables:
                    raise ImportError(f'cannot import {alias.name!r} from base config '
                                      f'{module!r} ({self._location(node)})')
                self.global_dict[alias.asname or alias.name] = variables[alias.name]
            return None
        if any(alias.name == '*' for alias in node.names):
            raise ConfigParsingError(
                'Illegal syntax in config! `from xxx import *` is not allowed to appear '
                f'outside the `if base:` statement (`from {module} import *` at '
                f'{self._location(node)}; only base configs inside `with read_base():` may '
                'be imported with *)')
        self.imported_obj |= {alias.asname or alias.name for alias in node.names}
        if not node.level and is_real_import(module):
            return node
        return [_lazy_assign(alias.asname or alias.name, [module, alias.name],
                             self._location(alias), alias) for alias in node.names]

    def visit_Import(self, node: ast.Import) -> ast.stmt | list[ast.stmt]:
        """``import m as x`` becomes ``x = LazyObject('m')``; ``import m`` is left to
        :func:`_gather_abs_import_lazyobj` (real imports stay as they are)."""
        statements: list[ast.stmt] = []
        kept: list[ast.alias] = []
        for alias in node.names:
            self.imported_obj.add(alias.asname or alias.name.split('.')[0])
            if alias.asname is None or is_real_import(alias.name):
                kept.append(alias)
            else:
                statements.append(
                    _lazy_assign(alias.asname, [alias.name], self._location(alias), alias))
        if kept:
            statements.insert(0, ast.copy_location(ast.Import(kept), node))
        return statements[0] if len(statements) == 1 else statements


def _gather_abs_import_lazyobj(tree: ast.Module,
                               filename: str | None = None) -> tuple[ast.Module, set[str]]:
    """Turn the module's top-level ``import a.b`` statements into one ``LazyObject`` per package.

    ``import numpy`` and ``import numpy.fft`` become ``numpy = LazyObject(['numpy',
    'numpy.fft'])``, inserted at the top of the module; standard-library imports stay.

    Args:
        tree: The parsed config (typically after :class:`ImportTransformer`).
        filename: Config file name, for the ``location`` of each lazy object.

    Returns:
        The module (changed in place) and the names of the packages made lazy.
    """
    modules: dict[str, list[str]] = {}
    first: dict[str, ast.alias] = {}
    body: list[ast.stmt] = []
    for node in tree.body:
        if not isinstance(node, ast.Import):
            body.append(node)
            continue
        real = [alias for alias in node.names if is_real_import(alias.name) or alias.asname]
        if real:
            body.append(ast.copy_location(ast.Import(real), node))
        for alias in node.names:
            if alias in real:
                continue
            package = alias.name.split('.')[0]
            first.setdefault(package, alias)
            if alias.name not in modules.setdefault(package, []):
                modules[package].append(alias.name)
    assigns = [_lazy_assign(package, [names], f'{filename}, line {first[package].lineno}',
                            first[package]) for package, names in modules.items()]
    tree.body = [*assigns, *body]
    return tree, set(modules)
