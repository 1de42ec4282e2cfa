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


@pytest.mark.parametrize('cfg, error, message', [
    (dict(type='MyLoop', max_epochs=1), KeyError,
     r"MyLoop is not in the mmlightning::loop registry \(while building train_cfg"),
    (dict(by_epoch=True), ValueError, 'train_cfg.max_epochs must be a positive int'),
    (dict(by_epoch=False, max_epochs=3), ValueError, 'train_cfg.max_iters must be a positive int'),
    (dict(type='EpochBasedTrainLoop', by_epoch=True, max_epochs=1), RuntimeError,
     'Only one of `type` or `by_epoch` can exist in `loop_cfg`: train_cfg sets both'),
    (dict(max_epochs=2, val_intervl=1), ValueError,
     r"unknown keys \['val_intervl'\]: EpochBasedTrainLoop takes .*\. "
     "Did you mean one of 'val_interval'"),
    (dict(max_epochs=2, val_interval=0), ValueError, 'val_interval must be >= 1'),
    (dict(type='ValLoop', max_epochs=1), TypeError,
     "train_cfg.type='ValLoop' .* is not a subclass of EpochBasedTrainLoop or IterBasedTrainLoop"),
])
def test_bad_train_cfg(cfg: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        TrainLoopSpec.from_cfg(cfg)


def test_loop_class_and_mmengine_defaults() -> None:
    from mmlightning.runner import EpochBasedTrainLoop, IterBasedTrainLoop

    spec = TrainLoopSpec.from_cfg(dict(by_epoch=False, max_iters=3000))
    assert spec.loop_cls is IterBasedTrainLoop and spec.val_interval == 1000  # MMEngine default
    spec = TrainLoopSpec.from_cfg(dict(type=EpochBasedTrainLoop, max_epochs=3,
                                       dynamic_intervals=[(2, 1)]))
    assert spec.loop_cls is EpochBasedTrainLoop and spec.loop_arguments() == dict(
        max_epochs=3, val_begin=1, val_interval=1, dynamic_intervals=[[2, 1]])


def test_loop_classes_are_classified_by_their_methods() -> None:
    from mmlightning.lightning.loop_classes import check_train_loop_class, runs_itself
    from mmlightning.runner import BaseLoop, IterBasedTrainLoop, TestLoop, ValLoop

    class AddsArguments(ValLoop):
        def __init__(self, *args, extra: int = 0, **kwargs) -> None:
            super().__init__(*args, **kwargs)

    class OwnIter(TestLoop):
        def run_iter(self, idx, data_batch) -> None:
            pass

    class OwnLoop(BaseLoop):
        def run(self) -> None:
            pass

    class Inherits(OwnIter):
        pass

    assert not runs_itself(ValLoop) and not runs_itself(AddsArguments)
    assert runs_itself(OwnIter) and runs_itself(OwnLoop) and runs_itself(Inherits)
    assert check_train_loop_class(IterBasedTrainLoop) is False

    class OwnEpoch(IterBasedTrainLoop):
        def run_iter(self, data_batch) -> None:
            pass

    with pytest.raises(TypeError, match=r"train_cfg.type='OwnEpoch' \(.*OwnEpoch\) overrides "
                                        'run_iter'):
        check_train_loop_class(OwnEpoch)


def test_mmengine_loops_count_as_builtin() -> None:
    loops = pytest.importorskip('mmengine.runner.loops')
    from mmlightning.lightning.loop_classes import check_train_loop_class, runs_itself

    class MMEngineSubclass(loops.ValLoop):
        pass

    assert not runs_itself(loops.ValLoop) and not runs_itself(MMEngineSubclass)
    assert check_train_loop_class(loops.EpochBasedTrainLoop) is True


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
