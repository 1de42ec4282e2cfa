"""Run mmcv's own op tests against mmlightning's torch kernels and print the outcome per file.

The script fetches nothing. Give it mmcv's ``tests/`` folder (from a checkout of
``open-mmlab/mmcv``) and the test files to run. It copies ``tests/test_ops`` to a scratch
directory outside the repository (with ``tests/data``, which some tests read from the working
directory as ``./tests/data/...``, as in an mmcv checkout), adds a ``conftest.py`` that calls
:func:`mmlightning.ops.install` before any test imports ``mmcv.ops``, runs pytest on each named
file and prints passed / failed / skipped per file (read from pytest's JUnit XML report)::

    python tools/run_mmcv_op_tests.py /work/ref/mmcv/tests test_nms.py test_roi_align.py

Their CUDA / NPU / MLU cases skip on a machine without those devices.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_mmengine_tests, beside this script
from run_mmengine_tests import parse_junit  # noqa: E402

# The device flags newer mmcv test files import from mmcv.utils that mmcv 2.1.0 lacks; the devices
# they name (Moore Threads MUSA) are absent here, so their tests skip.
CONFTEST = '''"""Written by tools/run_mmcv_op_tests.py: mmcv._ext comes from mmlightning.ops."""
import mmcv.utils

import mmlightning.ops

mmlightning.ops.install()
for flag in ('IS_MUSA_AVAILABLE',):
    if not hasattr(mmcv.utils, flag):
        setattr(mmcv.utils, flag, False)
'''


@dataclass
class FileResult:
    """The outcome of every test of one test file, keyed by test id."""

    name: str
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


def run_file(root: Path, name: str, timeout: int) -> FileResult:
    """Runs one mmcv test file of the scratch copy ``root`` (which holds ``tests/test_ops``)."""
    report = root / f'{name}.xml'
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    command = [sys.executable, '-m', 'pytest', '-q', '-o', 'addopts=', '-p', 'no:cacheprovider',
               f'--junitxml={report}', f'tests/test_ops/{name}']
    try:
        subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        result = FileResult(name)
        result.messages[name] = f'timed out after {timeout} s'
        result.outcomes[name] = 'failed'
        return result
    outcomes, messages = parse_junit(report)
    if not outcomes:
        outcomes, messages = {name: 'failed'}, {name: 'collected nothing (import error?)'}
    return FileResult(name, outcomes, messages)


def print_table(results: list[FileResult]) -> None:
    width = max([len(result.name) for result in results] + [4])
    print(f"{'file':<{width}}  passed  failed  skipped")
    for result in results:
        print(f'{result.name:<{width}}  {result.count("passed"):>6}  {result.count("failed"):>6}'
              f'  {result.count("skipped"):>7}')
    for result in results:
        for test, message in result.messages.items():
            print(f'FAILED {test}: {message}')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tests_dir', type=Path, help="mmcv's tests/ folder (holds test_ops/)")
    parser.add_argument('files', nargs='+', help='test files of test_ops/ to run, e.g. test_nms.py')
    parser.add_argument('--timeout', type=int, default=600, help='seconds per test file')
    parser.add_argument('--keep', action='store_true', help='keep the scratch directory')
    args = parser.parse_args(argv)
    source = args.tests_dir / 'test_ops'
    if not source.is_dir():
        parser.error(f'{source} does not exist: pass the tests/ folder of an mmcv checkout')
    missing = [name for name in args.files if not (source / name).is_file()]
    if missing:
        parser.error(f'no such test file in {source}: {", ".join(missing)}')
    scratch = Path(tempfile.mkdtemp(prefix='mmcv-op-tests-'))
    try:
        shutil.copytree(source, scratch / 'tests' / 'test_ops')
        if (args.tests_dir / 'data').is_dir():
            shutil.copytree(args.tests_dir / 'data', scratch / 'tests' / 'data')
        (scratch / 'tests' / 'test_ops' / 'conftest.py').write_text(CONFTEST)
        results = [run_file(scratch, name, args.timeout) for name in args.files]
    finally:
        if args.keep:
            print(f'kept {scratch}')
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print_table(results)
    return 1 if any(result.count('failed') for result in results) else 0


if __name__ == '__main__':
    sys.exit(main())
