"""tools/run_mmcv_op_tests.py on a made-up mmcv tests folder: counts, conftest, data."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'run_mmcv_op_tests.py'

FAKE_TEST = '''
import pytest


def test_the_extension_is_ours():
    import mmcv._ext
    assert mmcv._ext.__mmlightning__


def test_reads_data_from_the_working_directory():
    with open('./tests/data/value.txt') as file:
        assert file.read() == '42'


def test_fails():
    assert 1 == 2, 'made to fail'


@pytest.mark.skipif(True, reason='no such device')
def test_skips():
    pass
'''


@pytest.fixture
def tool(monkeypatch):
    """The script as a module (registered, as its dataclasses need)."""
    spec = importlib.util.spec_from_file_location('run_mmcv_op_tests', TOOL)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_counts_each_outcome_with_our_extension(tool, tmp_path, capsys):
    pytest.importorskip('mmcv')
    (tmp_path / 'test_ops').mkdir()
    (tmp_path / 'data').mkdir()
    (tmp_path / 'test_ops' / 'test_fake.py').write_text(FAKE_TEST)
    (tmp_path / 'data' / 'value.txt').write_text('42')
    assert tool.main([str(tmp_path), 'test_fake.py']) == 1
    out = capsys.readouterr().out
    assert 'test_fake.py       2       1        1' in out
    assert 'FAILED tests.test_ops.test_fake::test_fails: AssertionError: made to fail' in out
    assert not list(tmp_path.glob('test_ops/conftest.py')), 'the source folder is left untouched'


def test_names_a_missing_test_file(tool, tmp_path):
    (tmp_path / 'test_ops').mkdir()
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path), 'test_nothing.py'])
