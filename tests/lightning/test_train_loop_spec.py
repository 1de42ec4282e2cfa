"""train_cfg -> TrainLoopSpec: MMEngine's loop lengths and validation schedule."""
from __future__ import annotations

import pytest

from mmlightning.lightning.train_loop_spec import TrainLoopSpec


def test_epoch_and_iter_forms() -> None:
    spec = TrainLoopSpec.from_cfg(dict(by_epoch=True, max_epochs=12, val_interval=2))
    assert (spec.by_epoch, spec.max_epochs, spec.val_interval) == (True, 12, 2)
    spec = TrainLoopSpec.from_cfg(dict(type='IterBasedTrainLoop', max_iters=100, val_begin=20))
    assert (spec.by_epoch, spec.max_iters, spec.val_begin) == (False, 100, 20)
    assert TrainLoopSpec.from_cfg(dict(type='EpochBasedTrainLoop', max_epochs=1)).by_epoch


@pytest.mark.parametrize('cfg, message', [
    (dict(type='MyLoop', max_epochs=1), "train_cfg.type='MyLoop' is not supported"),
    (dict(by_epoch=True), 'train_cfg.max_epochs must be a positive int'),
    (dict(by_epoch=False, max_epochs=3), 'train_cfg.max_iters must be a positive int'),
    (dict(type='EpochBasedTrainLoop', by_epoch=True, max_epochs=1), 'sets both type and by_epoch'),
    (dict(max_epochs=2, val_intervl=1), r"unknown keys \['val_intervl'\]"),
    (dict(max_epochs=2, val_interval=0), 'val_interval must be >= 1'),
])
def test_bad_train_cfg(cfg: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainLoopSpec.from_cfg(cfg)


def test_validation_schedule_like_mmengine() -> None:
    spec = TrainLoopSpec.from_cfg(dict(max_epochs=7, val_interval=3, val_begin=2))
    assert [e for e in range(1, 8) if spec.should_validate(e)] == [3, 6, 7]
    spec = TrainLoopSpec.from_cfg(dict(max_epochs=5, val_interval=1, val_begin=4))
    assert [e for e in range(1, 6) if spec.should_validate(e)] == [4, 5]


def test_dynamic_intervals_use_next_progress_like_mmengine() -> None:
    spec = TrainLoopSpec.from_cfg(dict(max_epochs=10, val_interval=1,
                                       dynamic_intervals=[(4, 3)]))
    # From the decision after epoch 3 on (MMEngine looks at epoch + 1), the interval is 3.
    assert [e for e in range(1, 11) if spec.should_validate(e)] == [1, 2, 3, 6, 9, 10]


def test_dynamic_intervals_match_mmengine_loop() -> None:
    loops = pytest.importorskip('mmengine.runner.utils')
    milestones, intervals = loops.calc_dynamic_intervals(2, [(3, 4), (8, 1)])
    spec = TrainLoopSpec.from_cfg(dict(max_epochs=12, val_interval=2,
                                       dynamic_intervals=[(3, 4), (8, 1)]))
    import bisect

    for epoch in range(1, 13):  # MMEngine: interval = intervals[bisect(milestones, epoch+1)-1]
        expected = intervals[bisect.bisect(milestones, epoch + 1) - 1]
        assert spec.interval_at(epoch + 1) == expected
