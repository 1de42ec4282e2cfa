"""SyncBuffersHook: buffers averaged across two gloo ranks; nothing in a single process."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from torch import nn

from mmlightning.hooks import SyncBuffersHook
from mmlightning.registry import HOOKS


def bn_on(rank: int) -> nn.BatchNorm1d:
    """A BatchNorm whose running statistics differ by rank."""
    bn = nn.BatchNorm1d(2)
    bn.running_mean.fill_(float(rank))           # rank 0: 0, rank 1: 1 -> mean 0.5
    bn.running_var.fill_(1.0 + 2 * rank)         # 1, 3 -> 2
    bn.num_batches_tracked.fill_(4 + 2 * rank)   # 4, 6 -> 5
    return bn


def state(model: nn.Module) -> dict[str, list]:
    return {name: buffer.tolist() for name, buffer in model.named_buffers()}


def sync_on_two_ranks(rank: int, workdir: Path) -> dict[str, Any]:
    model = bn_on(rank)
    runner = SimpleNamespace(model=model)
    hook = SyncBuffersHook()
    before = state(model)
    hook.after_train_epoch(runner)
    after_epoch = state(model)
    # the validation right after a synchronised epoch does not reduce again
    model.running_mean.fill_(10.0 * rank)
    hook.before_val_epoch(runner)
    after_first_val = state(model)
    # a validation not preceded by a training epoch (iteration-based training) does
    hook.before_val_epoch(runner)
    return dict(before=before, after_epoch=after_epoch, after_first_val=after_first_val,
                after_second_val=state(model), distributed=hook.distributed)


def test_buffers_are_averaged_across_ranks(
        run_two_ranks: Callable[[Callable[[int, Path], Any]], list[Any]]) -> None:
    results = run_two_ranks(sync_on_two_ranks)
    assert results[0]['before'] != results[1]['before']
    for result in results:
        assert result['distributed']
        assert result['after_epoch'] == dict(running_mean=[0.5, 0.5], running_var=[2.0, 2.0],
                                             num_batches_tracked=5)
        assert result['after_second_val']['running_mean'] == [5.0, 5.0]
    assert [r['after_first_val']['running_mean'] for r in results] == [[0.0, 0.0], [10.0, 10.0]]


def test_no_op_in_a_single_process() -> None:
    model = bn_on(1)
    hook = SyncBuffersHook()
    before = state(model)
    hook.after_train_epoch(SimpleNamespace(model=model))
    hook.before_val_epoch(SimpleNamespace(model=model))
    assert not hook.distributed and not hook.called_in_train
    assert state(model) == before


def test_built_from_config() -> None:
    hook = HOOKS.build(dict(type='SyncBuffersHook'))
    assert isinstance(hook, SyncBuffersHook) and hook.priority == 'NORMAL'
