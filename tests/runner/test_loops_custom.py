"""train_cfg/val_cfg/test_cfg ``type=``: registered loops under the Runner (Lightning's loops)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mmlightning.hooks import Hook
from mmlightning.model import BaseModel
from mmlightning.registry import HOOKS, LOOPS, MODELS
from mmlightning.runner import EpochBasedTrainLoop, IterBasedTrainLoop, Runner, ValLoop, loops
from mmlightning.structures import BaseDataElement


class StudentTeacher(BaseModel):
    """A student and a teacher head; ``predict_on`` picks the one that predicts (mmdet's
    ``semi_test_cfg['predict_on']``). The teacher always answers class 1."""

    def __init__(self, with_loss: bool = False) -> None:
        super().__init__()
        self.student = nn.Linear(4, 2)
        self.predict_on = 'student'
        self.with_loss = with_loss

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        x = torch.stack(inputs)
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(self.student(x),
                                                          torch.stack(data_samples)))
        preds = self.student(x).argmax(1) if self.predict_on == 'student' else \
            torch.ones(len(x), dtype=torch.long)
        outputs = [dict(pred=int(p), gt=int(g)) for p, g in zip(preds, data_samples)]
        if self.with_loss:  # MMEngine 0.10.7's validation loss: a last element with only `loss`
            outputs.append(BaseDataElement(loss=dict(loss_x=x[:, 0].mean())))
        return outputs


class StudentTeacherValLoop(ValLoop):
    """Evaluates the student, then the teacher, and reports both (mmdet's TeacherStudentValLoop
    does this with ``semi_test_cfg``)."""

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        self.runner.model.eval()
        metrics = {}
        for head in ('student', 'teacher'):
            self.runner.model.predict_on = head
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
            head_metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
            metrics.update({f'{head}/{key}': value for key, value in head_metrics.items()})
        self.runner.model.predict_on = 'student'
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics


class TwiceTestLoop(loops.TestLoop):
    """Runs the test set twice, from its own ``run_iter``, counting the batches."""

    def __init__(self, runner: Any, dataloader: Any, evaluator: Any, repeats: int = 2) -> None:
        super().__init__(runner, dataloader, evaluator)
        self.repeats = repeats
        self.batches = 0

    def run_iter(self, idx: int, data_batch: Any) -> None:
        for _ in range(self.repeats):
            self.batches += 1
            super().run_iter(idx, data_batch)


class SubsetValLoop(ValLoop):
    """Only adds a constructor argument: it runs on Lightning's validation loop."""

    def __init__(self, runner: Any, dataloader: Any, evaluator: Any, fp16: bool = False,
                 tag: str = '') -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self.tag = tag


class TaggedTrainLoop(EpochBasedTrainLoop):
    """Only adds a constructor argument and an attribute."""

    def __init__(self, runner: Any, dataloader: Any, max_epochs: int, warmup: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self.warmup = warmup


class WarmupTrainLoop(IterBasedTrainLoop):
    """Overrides ``run`` (MMEngine's test_custom_loop does this): refused."""

    def run(self) -> None:
        return None


class Recorder(Hook):
    """Records what hooks see of the loops."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def before_train_epoch(self, runner: Any) -> None:
        loop = runner.train_loop
        self.seen.append(('train_epoch', type(loop).__name__, loop.epoch,
                          getattr(loop, 'warmup', None), loop.val_interval))

    def before_val(self, runner: Any) -> None:
        self.seen.append(('before_val', type(runner.val_loop).__name__, runner.epoch))

    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                       outputs: Any = None) -> None:
        self.seen.append(('val_iter', batch_idx))

    def after_val_epoch(self, runner: Any, metrics: Any = None) -> None:
        self.seen.append(('after_val_epoch', dict(metrics or {})))

    def after_test_epoch(self, runner: Any, metrics: Any = None) -> None:
        self.seen.append(('after_test_epoch', dict(metrics or {})))


class StopAfterAnEpoch(Hook):
    def after_train_epoch(self, runner: Any) -> None:
        runner.train_loop.stop_training = True  # as EarlyStoppingHook does


CLASSES = ((MODELS, StudentTeacher), (LOOPS, StudentTeacherValLoop), (LOOPS, TwiceTestLoop),
           (LOOPS, SubsetValLoop), (LOOPS, TaggedTrainLoop), (LOOPS, WarmupTrainLoop),
           (HOOKS, Recorder), (HOOKS, StopAfterAnEpoch))


@pytest.fixture(autouse=True)
def loop_classes(registered: None) -> Any:
    """These classes, with the conftest's RunnerPoints and RunnerAccuracy."""
    for registry, cls in CLASSES:
        registry.register_module(module=cls, force=True)
    yield
    for registry, cls in CLASSES:
        registry._module_dict.pop(cls.__name__, None)


@pytest.fixture
def cfg(tmp_path: Path) -> dict:
    def loader(seed: int) -> dict:
        return dict(dataset=dict(type='RunnerPoints', seed=seed), batch_size=4,
                    sampler=dict(type='DefaultSampler', shuffle=False))

    return dict(model=dict(type='StudentTeacher'), work_dir=str(tmp_path / 'work'),
                train_dataloader=loader(0), val_dataloader=loader(1), test_dataloader=loader(2),
                val_evaluator=dict(type='RunnerAccuracy'),
                test_evaluator=dict(type='RunnerAccuracy'),
                train_cfg=dict(by_epoch=True, max_epochs=2), val_cfg=dict(), test_cfg=dict(),
                optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                custom_hooks=[dict(type='Recorder')], default_hooks=dict(checkpoint=None),
                randomness=dict(seed=0), trainer=dict(enable_progress_bar=False))


def recorder(runner: Runner) -> Recorder:
    return next(hook for hook in runner.hooks if isinstance(hook, Recorder))


def points(runner: Runner, stage: str) -> Any:
    return getattr(runner.datamodule, f'{stage}_dataset')


def teacher_acc(runner: Runner) -> float:
    """The teacher answers 1: its accuracy is the share of 1 labels of the validation set."""
    return float(points(runner, 'val').labels.float().mean())


def test_val_loop_with_its_own_run_replaces_lightnings(cfg: dict) -> None:
    cfg['val_cfg'] = dict(type='StudentTeacherValLoop')
    runner = Runner.from_cfg(cfg)
    runner.train()
    seen = recorder(runner).seen
    # each validation: the hooks from the loop itself, once; two passes of 3 batches
    validations = [item for item in seen if item[0] == 'before_val']
    assert validations == [('before_val', 'StudentTeacherValLoop', 1),
                           ('before_val', 'StudentTeacherValLoop', 2)]
    first = seen.index(validations[0])
    assert [item[1] for item in seen[first + 1:first + 7]] == [0, 1, 2, 0, 1, 2]
    reported = [item[1] for item in seen if item[0] == 'after_val_epoch']
    assert len(reported) == 2 and set(reported[0]) == {'student/acc', 'teacher/acc'}
    assert reported[0]['teacher/acc'] == pytest.approx(teacher_acc(runner))
    # the metrics reach Lightning (callback_metrics), the message hub and the local backend
    assert float(runner.trainer.callback_metrics['teacher/acc']) == \
        pytest.approx(teacher_acc(runner))
    assert runner.message_hub.get_scalar('val/student/acc').current() == \
        pytest.approx(reported[1]['student/acc'])
    scalars = Path(runner.log_dir, 'vis_data', 'scalars.json').read_text().splitlines()
    assert sum('teacher/acc' in json.loads(line) for line in scalars) == 2
    assert isinstance(runner.val_loop, StudentTeacherValLoop)
    assert runner.model.training is True  # Lightning put it back to train mode after each
    metrics = runner.val()
    assert metrics == reported[1] and set(metrics) == {'student/acc', 'teacher/acc'}


def test_test_loop_with_its_own_run_iter(cfg: dict) -> None:
    cfg['test_cfg'] = dict(type='TwiceTestLoop', repeats=3)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert runner.test_loop.batches == 3 * 3 and runner.test_loop.repeats == 3
    assert set(metrics) == {'acc'}
    assert recorder(runner).seen[-1] == ('after_test_epoch', metrics)
    assert runner.trainer.test(runner.module, datamodule=runner.datamodule,
                               verbose=False) == [{'acc': pytest.approx(metrics['acc'])}]


def test_subclass_adding_arguments_runs_on_lightnings_loop(cfg: dict) -> None:
    cfg['val_cfg'] = dict(type='SubsetValLoop', tag='subset')
    cfg['train_cfg'] = dict(type='TaggedTrainLoop', max_epochs=3, warmup=5, val_interval=2,
                            dynamic_intervals=[(3, 1)])
    runner = Runner.from_cfg(cfg)
    runner.train()
    seen = recorder(runner).seen
    assert [item for item in seen if item[0] == 'train_epoch'] == [
        ('train_epoch', 'TaggedTrainLoop', 0, 5, 2), ('train_epoch', 'TaggedTrainLoop', 1, 5, 2),
        ('train_epoch', 'TaggedTrainLoop', 2, 5, 1)]
    assert [item[2] for item in seen if item[0] == 'before_val'] == [2, 3]
    assert isinstance(runner.val_loop, SubsetValLoop) and runner.val_loop.tag == 'subset'
    assert runner.train_loop.max_iters == 9 and runner.train_loop.iter == 9
    assert set(runner.val()) == {'acc'}


def test_hooks_stop_training_through_the_train_loop(cfg: dict) -> None:
    cfg['custom_hooks'] = [dict(type='StopAfterAnEpoch')]
    cfg['train_cfg'] = dict(by_epoch=True, max_epochs=5)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 1 and isinstance(runner.train_loop, EpochBasedTrainLoop)


def test_train_loop_that_overrides_run_is_refused_at_build(cfg: dict) -> None:
    cfg['train_cfg'] = dict(type='WarmupTrainLoop', max_iters=10)
    with pytest.raises(TypeError) as error:
        Runner.from_cfg(cfg)
    message = str(error.value)
    for part in ("train_cfg.type='WarmupTrainLoop'", 'test_loops_custom.WarmupTrainLoop',
                 'overrides run', "Lightning's fit loop",
                 'Subclass EpochBasedTrainLoop or IterBasedTrainLoop without overriding',
                 'Lightning callback'):
        assert part in message


def test_unknown_loop_types_name_the_key(cfg: dict) -> None:
    cfg['train_cfg'] = dict(type='TaggedTrainLop', max_epochs=1)
    with pytest.raises(KeyError, match=r"train_cfg.*Did you mean one of 'TaggedTrainLoop'"):
        Runner.from_cfg(cfg)
    cfg['train_cfg'] = dict(by_epoch=True, max_epochs=1)
    cfg['val_cfg'] = dict(type='NoSuchValLoop')
    with pytest.raises(KeyError, match='NoSuchValLoop is not in the mmlightning::loop registry '
                                       r'\(while building val_cfg'):
        Runner.from_cfg(cfg)


def test_wrong_loop_arguments_fail_at_build(cfg: dict) -> None:
    cfg['val_cfg'] = dict(type='SubsetValLoop', tga='x')
    with pytest.raises(TypeError, match="val_cfg: SubsetValLoop does not take these arguments"):
        Runner.from_cfg(cfg)
    cfg['val_cfg'] = dict()
    cfg['train_cfg'] = dict(type='EpochBasedTrainLoop', max_epochs=1, warmup=2)
    with pytest.raises(ValueError, match=r"train_cfg has unknown keys \['warmup'\]"):
        Runner.from_cfg(cfg)


def test_own_val_loop_in_a_users_lightning_trainer(cfg: dict, tmp_path: Path) -> None:
    import lightning
    from lightning.pytorch.callbacks import Callback, ModelCheckpoint

    from mmlightning.lightning import MMDataModule, MMLightningModule

    class SeesValidation(Callback):
        def __init__(self) -> None:
            self.ends: list[float] = []

        def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
            self.ends.append(float(trainer.callback_metrics['teacher/acc']))

    cfg['val_cfg'] = dict(type='StudentTeacherValLoop')
    module = MMLightningModule.from_cfg(cfg)
    datamodule = MMDataModule.from_cfg(cfg)
    seen, best = SeesValidation(), ModelCheckpoint(dirpath=tmp_path / 'ckpt',
                                                   monitor='student/acc', mode='max')
    trainer = lightning.Trainer(max_epochs=2, accelerator='cpu', devices=1, logger=False,
                                enable_progress_bar=False, enable_model_summary=False,
                                use_distributed_sampler=False, num_sanity_val_steps=2,
                                callbacks=[seen, best])
    trainer.fit(module, datamodule=datamodule)
    teacher = float(datamodule.val_dataset.labels.float().mean())
    assert seen.ends == [pytest.approx(teacher)] * 2  # the sanity check is skipped
    assert best.best_model_path and best.best_model_score is not None
    results = trainer.validate(module, datamodule=datamodule, verbose=False)
    assert results == [{'student/acc': pytest.approx(module.last_val_metrics['student/acc']),
                        'teacher/acc': pytest.approx(teacher)}]
    assert isinstance(module.loops.get('val'), StudentTeacherValLoop)


@pytest.mark.parametrize('val_type', ['ValLoop', 'StudentTeacherValLoop'])
def test_validation_losses_join_the_metrics(cfg: dict, val_type: str) -> None:
    cfg['model'] = dict(type='StudentTeacher', with_loss=True)
    cfg['val_cfg'] = dict(type=val_type)
    cfg['test_cfg'] = dict(type='TwiceTestLoop', repeats=1)
    runner = Runner.from_cfg(cfg)
    metrics = runner.val()
    first = points(runner, 'val').points[:, 0]
    if val_type == 'ValLoop':  # Lightning's loop, the module averages
        assert metrics['loss_x'] == pytest.approx(float(first.mean()))  # equal batches
        assert metrics['val_loss'] == pytest.approx(metrics['loss_x'])
        assert metrics['acc'] == runner.module.last_val_metrics['acc']
    else:  # the loop's own run: its evaluator never sees the loss element
        assert set(metrics) == {'student/acc', 'teacher/acc'}
    test_metrics = runner.test()  # the built-in TestLoop.run averages
    assert test_metrics['test_loss'] == pytest.approx(float(
        points(runner, 'test').points[:, 0].mean()))


def test_build_loop_follows_mmengines_runner_methods(cfg: dict) -> None:
    from mmlightning.lightning.loop_objects import build_loop

    runner = Runner.from_cfg(cfg)
    runner.train()
    view, train_data = runner.module.get_runner_view(), runner.trainer.train_dataloader
    loop = build_loop('train', dict(type='TaggedTrainLoop', max_epochs=3, warmup=1), view,
                      train_data)
    assert isinstance(loop, TaggedTrainLoop) and loop.max_iters == 9 and loop.runner is view
    assert build_loop('train', loop, view, train_data) is loop
    with pytest.raises(TypeError, match='train_loop should be a Loop object or dict, but got'):
        build_loop('train', 'invalid-type', view, train_data)
    with pytest.raises(RuntimeError, match='Only one of `type` or `by_epoch`'):
        build_loop('train', dict(type='EpochBasedTrainLoop', by_epoch=True, max_epochs=3), view,
                   train_data)
    val = build_loop('val', dict(), view, dict(dataset=dict(type='RunnerPoints'), batch_size=6),
                     [dict(type='RunnerAccuracy')])
    assert isinstance(val, ValLoop) and len(val.dataloader) == 2
    assert isinstance(build_loop('test', dict(type='TwiceTestLoop'), view, train_data,
                                 val.evaluator), TwiceTestLoop)


def test_an_mmengine_val_loop_subclass_runs_itself(cfg: dict) -> None:
    mmengine_loops = pytest.importorskip('mmengine.runner.loops')

    class PackageValLoop(mmengine_loops.ValLoop):  # as an OpenMMLab package writes one
        def run(self) -> dict:
            metrics = super().run()
            return {f'package/{key}': value for key, value in metrics.items()}

    LOOPS.register_module(module=PackageValLoop, force=True)
    try:
        cfg['val_cfg'] = dict(type='PackageValLoop')
        runner = Runner.from_cfg(cfg)
        metrics = runner.val()
    finally:
        LOOPS._module_dict.pop('PackageValLoop')
    assert set(metrics) == {'package/acc'} and 0 <= metrics['package/acc'] <= 1
    assert [item[0] for item in recorder(runner).seen][-1] == 'after_val_epoch'
