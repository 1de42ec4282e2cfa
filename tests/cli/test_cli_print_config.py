"""``mmlightning print-config`` and the command's error handling."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mmlightning.cli import main

DATA = Path(__file__).parents[1] / 'config' / 'data'


def test_print_config_py_with_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['print-config', str(DATA / 'py/child.py'),
                 '--cfg-options', 'model.depth=152', 'train_cfg.max_epochs=2']) == 0
    out = capsys.readouterr().out
    assert 'depth=152' in out and 'max_epochs=2' in out and out.startswith('model = dict(')


@pytest.mark.parametrize('fmt, start', [('yaml', 'model:\n'), ('json', '{\n')])
def test_print_config_other_formats(fmt: str, start: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['print-config', str(DATA / 'py/child.py'), '--format', fmt]) == 0
    assert capsys.readouterr().out.startswith(start)


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['print-config', str(DATA / 'chain/level2.py'), '--explain', 'a.x']) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == 'a.x = 2'
    assert 'level0.py:1' in out and 'level2.py:2' in out


def test_error_is_one_paragraph_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['print-config', str(DATA / 'errors/missing_base.py')]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mmlightning: error: FileNotFoundError: base config './does_not_exist")
    assert 'Traceback' not in err and '--debug' in err
    assert main(['print-config', str(DATA / 'errors/missing_base.py'), '--debug']) == 2
    assert 'Traceback' in capsys.readouterr().err


def test_bad_cfg_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(['print-config', str(DATA / 'py/child.py'), '--cfg-options', 'nokey'])
    assert info.value.code == 2
    assert "'nokey' is not KEY=VALUE" in capsys.readouterr().err


def test_unknown_key_to_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['print-config', str(DATA / 'py/child.py'), '--explain', 'model.dpth']) == 2
    assert "'model.dpth' is not in the config" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ('train', 'test', 'val', 'predict', 'print-config', 'convert-ckpt',
                    'plot-logs'):
        assert command in out
    assert 'not available' not in out.lower()


def test_console_script_entry_point() -> None:
    result = subprocess.run([sys.executable, '-m', 'mmlightning.cli', 'print-config',
                             str(DATA / 'yaml/child.yaml')], capture_output=True, text=True)
    assert result.returncode == 0 and 'extra = 0.001' in result.stdout
