"""Hook helpers and priorities, as MMEngine defines them."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from mmlightning.hooks import Hook, Priority, get_priority


def test_every_n_helpers_and_last() -> None:
    hook = Hook()
    runner = SimpleNamespace(epoch=3, iter=9, max_epochs=4, max_iters=10)
    assert hook.every_n_epochs(runner, 2) and not hook.every_n_epochs(runner, 3)
    assert hook.every_n_epochs(runner, 2, start=2) and not hook.every_n_epochs(runner, 2, start=9)
    assert hook.every_n_train_iters(runner, 5) and not hook.every_n_train_iters(runner, 4)
    assert not hook.every_n_train_iters(runner, 0)
    assert hook.every_n_inner_iters(3, 2) and not hook.every_n_inner_iters(2, 2)
    assert hook.end_of_epoch([0, 1, 2], 2) and not hook.end_of_epoch([0, 1, 2], 1)
    assert hook.is_last_train_epoch(runner) and hook.is_last_train_iter(runner)


def test_generic_methods_receive_every_mode() -> None:
    seen = []

    class Generic(Hook):
        def _before_epoch(self, runner, mode='train'):
            seen.append(('before_epoch', mode))

        def _after_iter(self, runner, batch_idx, data_batch=None, outputs=None, mode='train'):
            seen.append(('after_iter', mode, batch_idx))

    hook = Generic()
    for mode in ('train', 'val', 'test'):
        getattr(hook, f'before_{mode}_epoch')(None)
        getattr(hook, f'after_{mode}_iter')(None, 1)
    assert seen == [('before_epoch', 'train'), ('after_iter', 'train', 1),
                    ('before_epoch', 'val'), ('after_iter', 'val', 1),
                    ('before_epoch', 'test'), ('after_iter', 'test', 1)]
    assert set(hook.get_triggered_stages()) == {
        'before_train_epoch', 'before_val_epoch', 'before_test_epoch', 'after_train_iter',
        'after_val_iter', 'after_test_iter'}


def test_triggered_stages_match_mmengine() -> None:
    mmengine_hooks = pytest.importorskip('mmengine.hooks')

    class Ours(Hook):
        def after_val_epoch(self, runner, metrics=None):
            pass

        def _before_iter(self, runner, batch_idx, data_batch=None, mode='train'):
            pass

    class Theirs(mmengine_hooks.Hook):
        def after_val_epoch(self, runner, metrics=None):
            pass

        def _before_iter(self, runner, batch_idx, data_batch=None, mode='train'):
            pass

    assert set(Ours().get_triggered_stages()) == set(Theirs().get_triggered_stages())
    assert Hook.stages == mmengine_hooks.Hook.stages


@pytest.mark.parametrize('value, expected', [
    (0, 0), (100, 100), ('very_high', 10), ('LOWEST', 100), (Priority.LOW, 70)])
def test_get_priority(value, expected) -> None:
    assert get_priority(value) == expected


def test_get_priority_errors() -> None:
    with pytest.raises(ValueError, match='between 0 and 100, got 101'):
        get_priority(101)
    with pytest.raises(ValueError, match="unknown priority 'HIHG'.*Did you mean 'HIGH'"):
        get_priority('HIHG')
    with pytest.raises(TypeError, match='priority must be an integer or Priority enum value'):
        get_priority(1.5)  # type: ignore[arg-type]
