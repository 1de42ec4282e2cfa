"""Run MMEngine's own unit tests against mmlightning and print how many pass, area by area.

The script fetches nothing. Give it MMEngine's ``tests/`` folder (from a checkout of
``open-mmlab/mmengine``). It copies the folder to a scratch directory, renames ``mmengine`` to
``mmlightning`` in every text file there, runs each area (``test_config``, ``test_registry``,
...) with pytest, and reads the outcome of each test from pytest's JUnit XML report.

Only tests that pass on MMEngine 0.10.7 itself count. ``--against mmengine`` runs the folder
unrenamed against the installed ``mmengine`` and writes the passing test ids to
``--baseline``; a later run against mmlightning reads that file and scores each area on those
tests::

    python tools/run_mmengine_tests.py ../mmengine/tests --against mmengine --baseline base.json
    python tools/run_mmengine_tests.py ../mmengine/tests --baseline base.json --failures fail.txt
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_AREAS = (
    'test_config', 'test_registry', 'test_optim', 'test_model', 'test_logging', 'test_hooks',
    'test_evaluator', 'test_structures', 'test_dataset', 'test_fileio', 'test_utils', 'test_dist',
    'test_runner', 'test_visualizer', 'test_analysis')
TEXT_SUFFIXES = {'.py', '.yaml', '.yml', '.json', '.txt', '.cfg', '.ini', '.toml'}


@dataclass
class AreaResult:
    """The outcome of every test of one area, keyed by test id."""

    area: str
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def passing(self) -> set[str]:
        return {test for test, outcome in self.outcomes.items() if outcome == 'passed'}


def copy_renamed(tests_dir: Path, target: Path, rename: bool) -> None:
    """Copy ``tests_dir`` to ``target``, replacing ``mmengine`` by ``mmlightning`` in text files."""
    shutil.copytree(tests_dir, target)
    if not rename:
        return
    for path in target.rglob('*'):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        try:
            text = path.read_text(encoding='utf-8')
        except UnicodeDecodeError:
            continue
        if 'mmengine' in text or 'MMEngine' in text:
            path.write_text(text.replace('mmengine', 'mmlightning'), encoding='utf-8')


def parse_junit(report: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Read pytest's JUnit XML: test id -> outcome, and test id -> first line of the failure."""
    outcomes: dict[str, str] = {}
    messages: dict[str, str] = {}
    if not report.exists():
        return outcomes, messages
    for case in ET.parse(report).getroot().iter('testcase'):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = 'passed'
        for child in case:
            if child.tag in ('failure', 'error'):
                outcome = 'failed'
                messages[test_id] = (child.get('message') or '').splitlines()[0][:300] \
                    if child.get('message') else ''
            elif child.tag == 'skipped':
                outcome = 'skipped'
        outcomes[test_id] = outcome
    return outcomes, messages


def run_area(root: Path, area: str, timeout: int, python: str) -> AreaResult:
    """Run one area of the copied tests with pytest and collect every test's outcome."""
    report = root / f'{area}.xml'
    command = [
        python, '-m', 'pytest', f'tests/{area}', '-q', '-p', 'no:cacheprovider',
        '--continue-on-collection-errors', f'--junitxml={report}', f'--timeout={timeout}',
        '-o', 'addopts=', '-W', 'ignore']
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    started = time.perf_counter()
    subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    outcomes, messages = parse_junit(report)
    return AreaResult(area, outcomes, messages, time.perf_counter() - started)


def print_table(results: list[AreaResult], baseline: dict[str, list[str]] | None) -> None:
    """Print one row per area: tests passing on MMEngine, how many of them pass here, the share."""
    print(f"{'area':<18} {'pass here / pass on MMEngine':>30} {'share':>8} {'seconds':>8}")
    for result in results:
        reference = set(baseline.get(result.area, [])) if baseline else set(result.outcomes)
        passed = len(reference & result.passing())
        share = f'{100 * passed / len(reference):.1f}%' if reference else '-'
        print(f'{result.area:<18} {f"{passed} / {len(reference)}":>30} {share:>8} '
              f'{result.seconds:>8.0f}')


def write_failures(path: Path, results: list[AreaResult],
                   baseline: dict[str, list[str]] | None) -> None:
    """Write each test that passes on MMEngine but not here, with the first line of its error."""
    lines = []
    for result in results:
        reference = set(baseline.get(result.area, [])) if baseline else set(result.outcomes)
        for test in sorted(reference - result.passing()):
            outcome = result.outcomes.get(test, 'not collected')
            lines.append(f'{test}\t{outcome}\t{result.messages.get(test, "")}')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tests_dir', type=Path, help="MMEngine's tests/ folder")
    parser.add_argument('--areas', nargs='+', default=list(DEFAULT_AREAS))
    parser.add_argument('--against', choices=('mmlightning', 'mmengine'), default='mmlightning')
    parser.add_argument('--baseline', type=Path,
                        help='JSON of the test ids that pass on MMEngine: written with '
                        '--against mmengine, read otherwise')
    parser.add_argument('--failures', type=Path, help='write the tests that fail here to this file')
    parser.add_argument('--timeout', type=int, default=120, help='seconds per test')
    parser.add_argument('--keep', action='store_true', help='keep the scratch directory')
    args = parser.parse_args(argv)

    tests_dir = args.tests_dir.resolve()
    if not (tests_dir / 'test_config').is_dir():
        parser.error(f'{tests_dir} does not look like MMEngine\'s tests/ folder '
                     '(no test_config/ inside): pass the folder itself')
    scratch = Path(tempfile.mkdtemp(prefix='mmengine-tests-'))
    copy_renamed(tests_dir, scratch / 'tests', rename=args.against == 'mmlightning')
    results = []
    try:
        for area in args.areas:
            results.append(run_area(scratch, area, args.timeout, sys.executable))
            print(f'ran {area}: {len(results[-1].passing())} passed of '
                  f'{len(results[-1].outcomes)} in {results[-1].seconds:.0f} s', file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f'scratch directory kept: {scratch}', file=sys.stderr)

    baseline = None
    if args.against == 'mmengine':
        if args.baseline:
            passing = {result.area: sorted(result.passing()) for result in results}
            existing = json.loads(args.baseline.read_text()) if args.baseline.exists() else {}
            existing.update(passing)
            args.baseline.write_text(json.dumps(existing, indent=1, sort_keys=True) + '\n')
    elif args.baseline:
        baseline = json.loads(args.baseline.read_text())
    print_table(results, baseline)
    if args.failures:
        write_failures(args.failures, results, baseline)
    return 0


if __name__ == '__main__':
    sys.exit(main())
