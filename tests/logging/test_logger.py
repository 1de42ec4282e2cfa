"""MMLogger, print_log, the line format and the package logger connection."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmlightning.logging import MMLogger, print_log
from mmlightning.logging.formatting import FilterDuplicateWarning, MMFormatter

CONSOLE_LINE = r'\d\d/\d\d \d\d:\d\d:\d\d - {} - {} - {}'
FILE_LINE = r'\d{{4}}/\d\d/\d\d \d\d:\d\d:\d\d - {} - {} - {}'


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv('FORCE_COLOR', raising=False)
    monkeypatch.delenv('NO_COLOR', raising=False)
    for key in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE'):
        monkeypatch.delenv(key, raising=False)


def _record(level: int, msg: str) -> logging.LogRecord:
    return logging.LogRecord('run', level, '/src/train.py', 7, msg, None, None, func='fit')


def test_console_and_file_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_file = tmp_path / 'a' / 'b' / 'run.log'  # parent folders are created
    logger = MMLogger.get_instance('run', logger_name='exp', log_file=str(log_file))
    assert logger.name == 'exp' and logger.instance_name == 'run'
    assert logger.log_file == str(log_file)
    logger.info('hello')
    logger.debug('hidden at INFO')
    logger.error('broken')
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(CONSOLE_LINE.format('exp', 'INFO', 'hello'), out[0])
    assert re.fullmatch(CONSOLE_LINE.format('exp', 'ERROR', r'.*test_logger\.py - '
                                            r'test_console_and_file_lines - \d+ - broken'), out[1])
    assert len(out) == 2
    lines = log_file.read_text().splitlines()
    assert re.fullmatch(FILE_LINE.format('exp', 'INFO', 'hello'), lines[0])
    assert len(lines) == 2 and '\033[' not in lines[1]


def test_file_mode_append_and_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_file = tmp_path / 'run.log'
    log_file.write_text('earlier\n')
    logger = MMLogger.get_instance('run', log_file=str(log_file), file_mode='a',
                                   log_level='DEBUG')
    logger.debug('details')
    assert log_file.read_text().startswith('earlier\n')
    assert log_file.read_text().rstrip().endswith('mmlightning - DEBUG - details')
    quiet = MMLogger.get_instance('quiet', log_level=logging.WARNING)
    quiet.info('not shown')
    quiet.warning('shown')
    assert 'not shown' not in capsys.readouterr().out.split('details')[-1]


def test_format_of_each_level_and_colour() -> None:
    plain = MMFormatter(color=False)
    assert plain.format(_record(logging.WARNING, 'w')).endswith(' - run - WARNING - w')
    assert plain.format(_record(logging.CRITICAL, 'c')).endswith(
        ' - run - ERROR - /src/train.py - fit - 7 - c')  # CRITICAL: as ERROR
    assert plain.format(_record(25, 'between')).endswith(' - run - INFO - between')
    coloured = MMFormatter(color=True)
    assert '\033[4m\033[5m\033[33mWARNING\033[0m' in coloured.format(_record(logging.WARNING, 'w'))
    assert '\033[4m\033[97mINFO\033[0m' in coloured.format(_record(logging.INFO, 'i'))
    with pytest.raises(ValueError, match='blink=True.*needs color=True'):
        MMFormatter(color=False, blink=True)


def test_console_colour_follows_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv('FORCE_COLOR', '1')
    MMLogger.get_instance('coloured').warning('careful')
    assert '\033[33mWARNING' in capsys.readouterr().out
    monkeypatch.setenv('NO_COLOR', '1')
    MMLogger.get_instance('plain').warning('careful')
    assert '\033[' not in capsys.readouterr().out


def test_duplicate_warnings_are_shown_once(capsys: pytest.CaptureFixture[str]) -> None:
    logger = MMLogger.get_instance('run')
    for _ in range(3):
        logger.warning('same')
        logger.info('info')
    out = capsys.readouterr().out
    assert out.count('same') == 1 and out.count('info') == 3
    assert FilterDuplicateWarning().filter(_record(logging.ERROR, 'e'))


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="log_level 'INFOO' is not a logging level.*"
                                         "Did you mean 'INFO'"):
        MMLogger('bad', log_level='INFOO')
    with pytest.raises(KeyError, match="file_handler_cfg needs a 'type' key"):
        MMLogger('bad', log_file=str(tmp_path / 'x.log'), file_handler_cfg=dict(maxBytes=10))
    with pytest.raises(ValueError, match="type 'RotatingHandler' is not a file handler.*"
                                         "Did you mean one of 'RotatingFileHandler'"):
        MMLogger('bad', log_file=str(tmp_path / 'x.log'),
                 file_handler_cfg=dict(type='RotatingHandler'))


def test_file_handler_cfg(tmp_path: Path) -> None:
    cfg = dict(type='RotatingFileHandler', maxBytes=1000, backupCount=1)
    logger = MMLogger.get_instance('run', log_file=str(tmp_path / 'r.log'), file_handler_cfg=cfg)
    assert cfg['type'] == 'RotatingFileHandler'  # the caller's dict is not consumed
    file_handler = logger.handlers[1]
    assert isinstance(file_handler, logging.handlers.RotatingFileHandler)
    assert file_handler.maxBytes == 1000
    logger.info('rotating')
    assert 'rotating' in (tmp_path / 'r.log').read_text()


def test_non_zero_rank_before_process_group(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('WORLD_SIZE', '2')
    logger = MMLogger.get_instance('rank1', log_file=str(tmp_path / 'run.log'))
    assert [h.level for h in logger.handlers] == [logging.ERROR]  # console only, ERROR only
    distributed = MMLogger.get_instance('dist', log_file=str(tmp_path / 'run.log'),
                                        distributed=True)
    assert re.fullmatch(r'run(_.+@.+)?_device\d+_rank1\.log', Path(distributed.log_file).name)
    distributed.info('on rank 1')
    assert 'on rank 1' in Path(distributed.log_file).read_text()


def _log_on_each_rank(rank: int, workdir: Path) -> dict[str, Any]:
    single = MMLogger.get_instance('single', log_file=str(workdir / 'single.log'))
    single.info(f'single from {rank}')
    every = MMLogger.get_instance('every', log_file=str(workdir / 'every.log'), distributed=True)
    every.info(f'every from {rank}')
    for logger in (single, every):
        for handler in logger.handlers:
            handler.close()
    return {'console_level': single.handlers[0].level, 'every_file': every.log_file}


def test_rank_aware_on_two_ranks(run_two_ranks: Callable[..., list[Any]],
                                 tmp_path: Path) -> None:
    rank0, rank1 = run_two_ranks(_log_on_each_rank)
    assert (rank0['console_level'], rank1['console_level']) == (logging.INFO, logging.ERROR)
    assert (tmp_path / 'single.log').read_text().count('single from') == 1
    assert 'single from 0' in (tmp_path / 'single.log').read_text()
    assert not (tmp_path / 'every.log').exists()
    for rank, result in enumerate((rank0, rank1)):
        assert result['every_file'].endswith(f'_rank{rank}.log')
        assert f'every from {rank}' in Path(result['every_file']).read_text()


def test_current_instance_and_set_level(capsys: pytest.CaptureFixture[str]) -> None:
    default = MMLogger.get_current_instance()
    assert default.instance_name == 'mmlightning' and default.name == 'mmlightning'
    latest = MMLogger.get_instance('latest')
    assert MMLogger.get_current_instance() is latest
    assert latest.isEnabledFor(logging.INFO)
    latest.setLevel('ERROR')  # clears the isEnabledFor cache of MMLoggers
    assert not latest.isEnabledFor(logging.INFO)
    latest.info('dropped')
    assert 'dropped' not in capsys.readouterr().out


def test_mmlogger_does_not_propagate(caplog: pytest.LogCaptureFixture,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    MMLogger.get_instance('run').warning('own handlers only')
    assert 'own handlers only' in capsys.readouterr().out
    assert 'own handlers only' not in caplog.text


def test_print_log(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    print_log('plain print')
    assert capsys.readouterr().out == 'plain print\n'
    print_log('nothing', logger='silent')
    assert capsys.readouterr().out == ''
    print_log('to current', logger='current', level=logging.WARNING)
    assert re.fullmatch(CONSOLE_LINE.format('mmlightning', 'WARNING', 'to current') + '\n',
                        capsys.readouterr().out)
    MMLogger.get_instance('named', logger_name='named')
    print_log('by name', logger='named')
    assert ' - named - INFO - by name' in capsys.readouterr().out
    std_logger = logging.getLogger('some.library')
    with caplog.at_level(logging.INFO, logger='some.library'):
        print_log('to a Logger', logger=std_logger)
    assert 'to a Logger' in caplog.text
    with pytest.raises(ValueError, match="MMLogger: nmaed has not been created!.*"
                                         "Did you mean 'named'"):
        print_log('x', logger='nmaed')
    with pytest.raises(TypeError, match='but got int'):
        print_log('x', logger=3)  # type: ignore[arg-type]


def test_package_logger_reaches_the_current_mmlogger(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    package_logger = logging.getLogger('mmlightning')
    first = MMLogger.get_instance('first', log_file=str(tmp_path / 'first.log'))
    second = MMLogger.get_instance('second', log_file=str(tmp_path / 'second.log'),
                                   log_level='DEBUG')
    assert package_logger.level == logging.DEBUG  # follows the latest MMLogger
    package_logger.info('from the package')
    logging.getLogger('mmlightning.hooks').debug('from a child')
    text = (tmp_path / 'second.log').read_text()
    assert ' - mmlightning - INFO - from the package' in text
    assert ' - mmlightning.hooks - DEBUG - from a child' in text
    assert 'from the package' not in (tmp_path / 'first.log').read_text()
    assert 'from the package' in caplog.text  # still propagates to the root logger
    for handler in first.handlers + second.handlers:
        handler.close()


def test_package_logger_without_mmlogger_falls_back_to_last_resort(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    MMLogger.get_instance('run')
    MMLogger._instance_dict.clear()  # e.g. a test reset the instances
    monkeypatch.setattr(logging.getLogger(), 'handlers', [])
    logging.getLogger('mmlightning').warning('no logger left')
    assert 'no logger left' in capsys.readouterr().err
    monkeypatch.setattr(logging.getLogger(), 'handlers', [logging.NullHandler()])
    logging.getLogger('mmlightning').warning('handled by root')
    assert 'handled by root' not in capsys.readouterr().err
