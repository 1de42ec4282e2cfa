"""Fixtures of the logging tests: clean global state, fake runners for LogProcessor."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from mmlightning.logging import HistoryBuffer, MessageHub, MMLogger


def _close_and_clear(manager_cls: Any) -> None:
    for instance in manager_cls._instance_dict.values():
        for handler in getattr(instance, 'handlers', []):
            handler.close()
    manager_cls._instance_dict.clear()


@pytest.fixture(autouse=True)
def clean_logging_state() -> Iterator[None]:
    """No MessageHub/MMLogger instances (ours and mmengine's), package logger and statistics
    restored after each test."""
    package_logger = logging.getLogger('mmlightning')
    level, handlers = package_logger.level, list(package_logger.handlers)
    statistics = dict(HistoryBuffer._statistics_methods)
    _close_and_clear(MessageHub)
    _close_and_clear(MMLogger)
    yield
    _close_and_clear(MessageHub)
    _close_and_clear(MMLogger)
    package_logger.handlers[:] = handlers
    package_logger.setLevel(level)
    HistoryBuffer._statistics_methods.clear()
    HistoryBuffer._statistics_methods.update(statistics)
    if 'mmengine.logging' in sys.modules:
        from mmengine.logging import MessageHub as MMEngineHub
        from mmengine.logging import MMLogger as MMEngineLogger
        _close_and_clear(MMEngineHub)
        _close_and_clear(MMEngineLogger)


@pytest.fixture
def make_runner() -> Callable[..., SimpleNamespace]:
    """Return ``make(hub, ...)``: a runner with the attributes LogProcessor reads.

    ``training=False`` stands for a standalone val/test run (``_train_loop`` None, as in
    MMEngine's Runner); ``mmengine_style=False`` leaves ``_train_loop`` out (a light view).
    """

    def make(hub: Any, *, iter: int = 0, epoch: int = 0, max_iters: int = 1000,
             max_epochs: int = 12, train_len: int = 100, val_len: int = 5, test_len: int = 5,
             training: bool = True, mmengine_style: bool = True) -> SimpleNamespace:
        def loop(n: int) -> SimpleNamespace:
            return SimpleNamespace(dataloader=[None] * n)

        train_loop = loop(train_len) if training else None
        runner = SimpleNamespace(message_hub=hub, iter=iter, epoch=epoch, max_iters=max_iters,
                                 max_epochs=max_epochs, train_loop=train_loop,
                                 val_loop=loop(val_len), test_loop=loop(test_len),
                                 model=SimpleNamespace())
        if mmengine_style:
            runner._train_loop = train_loop
        return runner

    return make
