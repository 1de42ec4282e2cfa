"""MMLogger lines against MMEngine 0.10.7 (skipped without mmengine)."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from mmlightning.logging import MMLogger
from mmlightning.logging.formatting import FilterDuplicateWarning, MMFormatter

mmengine_logger = pytest.importorskip('mmengine.logging.logger')

LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)


@pytest.mark.parametrize('level', LEVELS)
def test_plain_format_matches(level: int) -> None:
    record = logging.LogRecord('exp', level, '/src/train.py', 12, 'message %d', (3,), None,
                               func='fit')
    datefmt = '%Y/%m/%d %H:%M:%S'
    assert MMFormatter(color=False, datefmt=datefmt).format(record) == \
        mmengine_logger.MMFormatter(color=False, datefmt=datefmt).format(record)


def test_duplicate_filter_matches() -> None:
    ours, theirs = FilterDuplicateWarning(), mmengine_logger.FilterDuplicateWarning()
    for level, msg in [(logging.WARNING, 'a'), (logging.WARNING, 'a'), (logging.INFO, 'a'),
                       (logging.ERROR, 'b'), (logging.ERROR, 'b'), (logging.WARNING, 'b')]:
        record = logging.LogRecord('x', level, __file__, 1, msg, None, None)
        assert ours.filter(record) == theirs.filter(record)


def test_log_file_lines_match(tmp_path: Path) -> None:
    ours = MMLogger.get_instance('ours', logger_name='exp', log_file=str(tmp_path / 'ours.log'),
                                 log_level='DEBUG')
    theirs = mmengine_logger.MMLogger.get_instance(
        'theirs', logger_name='exp', log_file=str(tmp_path / 'theirs.log'), log_level='DEBUG')
    for logger in (ours, theirs):
        logger.debug('d')
        logger.info('i')
        logger.warning('w')
        logger.warning('w')
        logger.info('i')
        for handler in logger.handlers:
            handler.close()

    def lines(name: str) -> list[str]:
        text = (tmp_path / name).read_text()
        return [re.sub(r'^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d', '<time>', line)
                for line in text.splitlines()]

    assert lines('ours.log') == lines('theirs.log')
    assert len(lines('ours.log')) == 4
