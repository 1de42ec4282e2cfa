"""Reference: EarlyStoppingHook decides like MMEngine's on the same metric sequences."""
from __future__ import annotations

import logging
from math import inf, nan
from types import SimpleNamespace
from typing import Any

import pytest

from mmlightning.hooks import EarlyStoppingHook

mmengine_hooks = pytest.importorskip('mmengine.hooks')

SEQUENCES = [[0.5, 0.55, 0.52, 0.7, 0.65, 0.6], [0.9, 0.8, 0.85, 0.2, 0.1, 0.1, 0.3],
             [0.3, nan, 0.4], [0.2, inf], [0.1, 0.2, 0.3, 0.95, 0.96]]
ARGS = [dict(monitor='acc'), dict(monitor='loss', patience=2),
        dict(monitor='accuracy/top1', min_delta=0.01, patience=1),
        dict(monitor='loss', rule='less', check_finite=False, patience=3),
        dict(monitor='mAP', stopping_threshold=0.9), dict(monitor='val_loss', min_delta=0.0)]


def decisions(hook: Any, monitor: str, values: list[float]) -> list[tuple]:
    out = []
    for value in values:
        runner = SimpleNamespace(train_loop=SimpleNamespace(stop_training=False),
                                 logger=logging.getLogger('reference'))
        hook.after_val_epoch(runner, {monitor: value})
        out.append((runner.train_loop.stop_training, hook.wait_count, repr(hook.best_score)))
    return out


@pytest.mark.parametrize('args', ARGS, ids=[str(a) for a in ARGS])
@pytest.mark.parametrize('values', SEQUENCES, ids=range(len(SEQUENCES)))
def test_same_decisions_as_mmengine(args: dict, values: list[float]) -> None:
    ours, theirs = EarlyStoppingHook(**args), mmengine_hooks.EarlyStoppingHook(**args)
    assert (ours.rule, ours.min_delta, ours.priority) == \
        (theirs.rule, theirs.min_delta, theirs.priority)
    assert decisions(ours, args['monitor'], values) == \
        decisions(theirs, args['monitor'], values)
