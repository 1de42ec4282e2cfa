"""What a run prints: a one-line environment summary; the full block goes to the log file."""
from __future__ import annotations

import pytest

from mmlightning.runner import Runner
from mmlightning.runner.environment import environment_summary


def test_environment_summary_on_console_details_in_log_file(
        experiment: dict, capsys: pytest.CaptureFixture[str]) -> None:
    runner = Runner(**experiment)
    console = capsys.readouterr().out
    assert 'Environment: Python 3.' in console and 'seed' in console
    assert runner.logger.log_file in console  # where the details are
    assert 'PyTorch compiling details' not in console
    log = open(runner.logger.log_file).read()
    assert 'PyTorch compiling details' in log and 'Environment: Python 3.' in log


def test_summary_names_the_gpus() -> None:
    env = {'Python': '3.11.7 (main)', 'PyTorch': '2.13.0', 'Lightning': '2.6.6',
           'MMLightning': '0.1', 'CUDA available': True, 'GPU 0,1': 'NVIDIA H200'}
    assert environment_summary(env) == ('Environment: Python 3.11.7, PyTorch 2.13.0, Lightning '
                                        '2.6.6, MMLightning 0.1, CUDA: NVIDIA H200 (GPU 0,1)')
    assert environment_summary({'CUDA available': False}) == 'Environment: CUDA: no'
