"""Collect every ``mmengine`` import that real OpenMMLab code makes; check it against mmlightning.

Give it wheels or folders (``pip download --no-deps mmdet==3.3.0 ...``); it fetches nothing.
Every ``.py`` file inside (configs included) is parsed with ``ast``; each
``from mmengine[.x] import names`` and ``import mmengine.x`` becomes a (module, name) pair,
counted by the statements that use it.

``--write FILE`` stores the pairs as JSON (what ``tests/porting/test_import_surface.py`` imports);
``--check`` renames each module to ``mmlightning`` and reports the pairs that do not resolve::

    python tools/collect_mmengine_imports.py wheels/*.whl \
        --write tests/porting/data/mmengine_imports.json
    python tools/collect_mmengine_imports.py --read tests/porting/data/mmengine_imports.json --check
"""
from __future__ import annotations

import argparse
import ast
import importlib
import json
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

MODULE_ONLY = ''


def python_sources(source: Path) -> Iterator[tuple[str, str]]:
    """Yield (path, text) of every ``.py`` file of a wheel or a folder."""
    if source.is_dir():
        for path in sorted(source.rglob('*.py')):
            yield str(path), path.read_text(encoding='utf-8', errors='replace')
        return
    with zipfile.ZipFile(source) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith('.py'):
                yield f'{source.name}:{name}', archive.read(name).decode('utf-8', 'replace')


def mmengine_imports(text: str) -> Iterator[tuple[str, str]]:
    """Yield (module, name) for each ``mmengine`` import in a source text.

    ``import mmengine.x`` gives ``('mmengine.x', '')``; ``from mmengine.x import a`` gives
    ``('mmengine.x', 'a')``.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == 'mmengine' or alias.name.startswith('mmengine.'):
                    yield alias.name, MODULE_ONLY
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == 'mmengine' or node.module.startswith('mmengine.')):
            for alias in node.names:
                yield node.module, alias.name


def collect(sources: list[Path]) -> tuple[Counter, int]:
    """Count each (module, name) pair over all sources; also return the number of statements."""
    pairs: Counter = Counter()
    for source in sources:
        for _, text in python_sources(source):
            pairs.update(mmengine_imports(text))
    return pairs, sum(pairs.values())


def resolves(module: str, name: str, package: str = 'mmlightning') -> str | None:
    """Import ``module`` renamed to ``package`` and look ``name`` up; None if it works, else why."""
    target = package + module[len('mmengine'):]
    try:
        imported = importlib.import_module(target)
    except Exception as error:  # noqa: BLE001 - any import failure is what we report
        return f'import {target}: {type(error).__name__}: {error}'
    if name in (MODULE_ONLY, '*') or hasattr(imported, name):
        return None
    try:
        importlib.import_module(f'{target}.{name}')
    except Exception:  # noqa: BLE001
        return f'{target} has no {name}'
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('sources', nargs='*', type=Path, help='wheels or folders to scan')
    parser.add_argument('--read', type=Path, help='read the pairs from this JSON instead')
    parser.add_argument('--write', type=Path, help='write the pairs to this JSON')
    parser.add_argument('--check', action='store_true', help='try each pair against mmlightning')
    args = parser.parse_args(argv)

    if args.read:
        records = json.loads(args.read.read_text())['imports']
        pairs = Counter({(r['module'], r['name']): r['uses'] for r in records})
    else:
        pairs, _ = collect(args.sources)
    if args.write:
        records = [{'module': module, 'name': name, 'uses': uses}
                   for (module, name), uses in sorted(pairs.items())]
        sources = sorted(source.name for source in args.sources)
        args.write.write_text(json.dumps({'sources': sources, 'imports': records}, indent=1) + '\n')
    statements = sum(pairs.values())
    print(f'{len(pairs)} distinct (module, name) pairs, {statements} import uses')
    if args.check:
        missing = {pair: why for pair in pairs if (why := resolves(*pair))}
        missing_uses = sum(pairs[pair] for pair in missing)
        print(f'resolve: {len(pairs) - len(missing)} of {len(pairs)} pairs, '
              f'{100 * (statements - missing_uses) / statements:.1f}% of uses')
        for pair, why in sorted(missing.items(), key=lambda item: -pairs[item[0]]):
            print(f'{pairs[pair]:5d}  {pair[0]}:{pair[1] or "<module>"}  -- {why}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
