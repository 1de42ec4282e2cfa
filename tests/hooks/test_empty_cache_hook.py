"""EmptyCacheHook: torch.cuda.empty_cache at the chosen points of every mode (counted on CPU)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import torch

import mmlightning.device
from mmlightning.hooks import EmptyCacheHook
from mmlightning.registry import HOOKS


@pytest.fixture
def empty_cache_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pretend CUDA is there and count the hook's ``torch.cuda.empty_cache`` calls.

    Lightning's teardown empties the cache too; those calls are not counted.
    """
    calls: list[int] = []

    def empty_cache() -> None:
        if sys._getframe(1).f_code.co_filename.endswith('empty_cache_hook.py'):
            calls.append(1)

    monkeypatch.setattr(mmlightning.device, 'is_cuda_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'empty_cache', empty_cache)
    return calls


# 2 epochs of 3 training iterations, a validation of 2 iterations after each, a test of 2
@pytest.mark.parametrize('flags, expected', [
    (dict(), 2 + 2 + 1),                                  # after each train/val/test epoch
    (dict(before_epoch=True, after_iter=True), 5 + 5 + 12),
], ids=['default', 'all'])
def test_calls_in_a_real_run(flags: dict, expected: int, empty_cache_calls: list[int],
                             make_runner: Callable[..., Any]) -> None:
    runner = make_runner([EmptyCacheHook(**flags)])
    runner.train()
    runner.test()
    assert len(empty_cache_calls) == expected


@pytest.mark.parametrize('flags, expected', [
    (dict(before_epoch=True, after_epoch=False), 3), (dict(after_epoch=False, after_iter=True), 3),
    (dict(), 3), (dict(after_epoch=False), 0),
], ids=['before-epoch', 'after-iter', 'default', 'none'])
def test_each_flag_covers_every_mode(flags: dict, expected: int,
                                     empty_cache_calls: list[int]) -> None:
    hook, runner = EmptyCacheHook(**flags), SimpleNamespace()
    for mode in ('train', 'val', 'test'):
        getattr(hook, f'before_{mode}_epoch')(runner)
        getattr(hook, f'after_{mode}_iter')(runner, 0)
        getattr(hook, f'after_{mode}_epoch')(runner)
    assert len(empty_cache_calls) == expected


def test_nothing_without_an_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(mmlightning.device, 'is_cuda_available', lambda: False)
    monkeypatch.setattr(mmlightning.device, 'is_musa_available', lambda: False)
    monkeypatch.setattr(torch.cuda, 'empty_cache', lambda: calls.append(1))
    hook = EmptyCacheHook(before_epoch=True, after_iter=True)
    runner = SimpleNamespace()
    hook.before_train_epoch(runner)
    hook.after_train_iter(runner, 0)
    hook.after_val_epoch(runner)
    assert calls == []


def test_built_from_config() -> None:
    hook = HOOKS.build(dict(type='EmptyCacheHook', after_iter=True))
    assert isinstance(hook, EmptyCacheHook) and hook.priority == 'NORMAL'
    assert (hook._do_before_epoch, hook._do_after_epoch, hook._do_after_iter) == \
        (False, True, True)
