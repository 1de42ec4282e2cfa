"""Time ``Config.fromfile`` + ``pretty_text``: mmlightning against MMEngine, in the same run.

Usage::

    python benchmarks/config_load.py [FOLDER_OR_FILE ...] [--repeat N]

Without arguments it times the project's own configs (``configs/`` and the test
configs in ``tests/config/data``). Each config is loaded by both libraries in
turn, ``--repeat`` times, and the best time of each is kept. Configs one of the
libraries cannot read are listed and left out of the totals.
"""
from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

from mmlightning.config import Config

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {'.py', '.yaml', '.yml', '.json'}


def find_configs(paths: Iterable[Path]) -> list[Path]:
    """Config files under ``paths`` (recursively), skipping deliberately broken ones."""
    found: list[Path] = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob('*'))
        found += [f for f in files if f.suffix in SUFFIXES and 'errors' not in f.parts
                  and '__pycache__' not in f.parts and f.name != '__init__.py']
    return found


def best_time(load: Callable[[str], object], path: Path, repeat: int) -> float:
    """Fastest of ``repeat`` runs of load + ``pretty_text``, in seconds."""
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        _ = load(str(path)).pretty_text  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='*', type=Path)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args()
    paths = args.paths or [ROOT / 'configs', ROOT / 'tests' / 'config' / 'data']
    configs = find_configs(p for p in paths if p.exists())
    try:
        from mmengine.config import Config as MMEngineConfig
    except ImportError:
        MMEngineConfig = None
        print('mmengine is not importable: timing mmlightning only '
              '(pip install -e ".[reference]" to compare).')
    warnings.simplefilter('ignore')
    totals = [0.0, 0.0]
    print(f'{"config":60s} {"mmlightning ms":>15s} {"mmengine ms":>12s} {"speed-up":>9s}')
    for path in configs:
        try:
            ours = best_time(Config.fromfile, path, args.repeat)
        except Exception as error:  # a config we cannot read is reported, not timed
            print(f'{str(path.relative_to(ROOT) if ROOT in path.parents else path):60s} '
                  f'mmlightning failed: {type(error).__name__}')
            continue
        theirs = None
        if MMEngineConfig is not None:
            try:
                theirs = best_time(MMEngineConfig.fromfile, path, args.repeat)
            except Exception as error:
                print(f'{path.name:60s} mmengine failed: {type(error).__name__}: {error}'[:120])
        name = str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)
        if theirs is None:
            print(f'{name:60s} {ours * 1e3:15.2f}')
            continue
        totals[0] += ours
        totals[1] += theirs
        print(f'{name:60s} {ours * 1e3:15.2f} {theirs * 1e3:12.2f} {theirs / ours:8.1f}x')
    if totals[0]:
        print(f'\n{"total (configs both read)":60s} {totals[0] * 1e3:15.2f} '
              f'{totals[1] * 1e3:12.2f} {totals[1] / totals[0]:8.1f}x')


if __name__ == '__main__':
    main()
