"""CheckpointHook in a real Runner: which files it writes, what they hold, resuming from them."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

import mmlightning
from mmlightning.evaluator import BaseMetric
from mmlightning.fileio import FileClient, LocalBackend
from mmlightning.hooks import CheckpointHook, Hook
from mmlightning.model.checkpoint import torch_load
from mmlightning.runner.checkpoint_loading import load_weights


class Replay(BaseMetric):
    """Returns the next entry of ``scores`` (a dict of metric values) at each evaluation."""

    default_prefix = ''

    def __init__(self, scores: list[dict]) -> None:
        super().__init__()
        self.scores = list(scores)

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return self.scores.pop(0)


class CrashAt(Hook):
    """Raises before the training epochs in ``epochs`` (a crash after a saved epoch)."""

    def __init__(self, *epochs: int) -> None:
        self.epochs = epochs

    def before_train_epoch(self, runner: Any) -> None:
        if runner.epoch in self.epochs:
            raise RuntimeError(f'crash before epoch {runner.epoch + 1}')


def ckpt_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in ('.ckpt', '.pth'))


def load(path: Path) -> dict:
    return torch_load(path, map_location='cpu')  # weights_only=True: checkpoints are safe


def counters(meta: dict) -> dict:
    return dict(epoch=meta['epoch'], iter=meta['iter'])


@pytest.fixture
def train(make_runner: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    """``train(name, hook, epochs=3, metric=None, hooks=(), **runner_args)``: a trained Runner.

    ``hook`` configures the CheckpointHook (``train_cfg`` may be in
    ``runner_args``). Every run starts from the same weights in
    ``tmp_path/name``; a RuntimeError raised by a hook (a crash) is swallowed.
    """
    runs = iter(range(100))

    def run(name: str, hook: dict, epochs: int = 3, metric: Any = None, hooks: tuple = (),
            **runner_args: Any) -> Any:
        torch.manual_seed(0)
        runner_args.setdefault('train_cfg', dict(by_epoch=True, max_epochs=epochs))
        runner = make_runner(list(hooks), metric=metric, work_dir=str(tmp_path / name),
                             experiment_name=f'{tmp_path.name}-{name}-{next(runs)}',
                             default_hooks=dict(checkpoint=dict(type='CheckpointHook', **hook)),
                             **runner_args)
        try:
            runner.train()
        except RuntimeError as error:
            assert 'crash' in str(error)
        return runner

    return run


def test_epoch_interval_save_last_and_contents(train: Callable[..., Any], tmp_path: Path) -> None:
    runner = train('run', dict(interval=2), epochs=3, cfg=dict(note='hello'))
    work_dir = tmp_path / 'run'
    assert ckpt_names(work_dir) == ['epoch_2.ckpt', 'epoch_3.ckpt']
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / 'epoch_3.ckpt')
    checkpoint = load(work_dir / 'epoch_3.ckpt')
    meta = checkpoint['meta']
    assert counters(meta) == dict(epoch=3, iter=9)
    # what MMEngine's save_checkpoint adds to meta
    assert meta['cfg'] == "note = 'hello'\n" and meta['seed'] == runner.seed == 0
    assert meta['experiment_name'] == runner.experiment_name
    assert meta['mmlightning_version'] == mmlightning.__version__
    assert re.fullmatch(r'\d{8}_\d{6}', meta['time'])
    assert meta['dataset_meta'] == dict(classes=('even', 'odd'))
    assert checkpoint['mmlightning']['iter'] == 9
    assert 'param_schedulers' in checkpoint['mmlightning']
    assert checkpoint['optimizer_states'] and 'pytorch-lightning_version' in checkpoint
    for key, value in runner.model.state_dict().items():
        assert torch.equal(checkpoint['state_dict'][f'model.{key}'], value)
    assert not list(work_dir.glob('*.tmp'))


def test_no_save_last_weights_only_and_filename_tmpl(train: Callable[..., Any],
                                                      tmp_path: Path) -> None:
    train('run', dict(interval=2, save_last=False, save_optimizer=False,
                      save_param_scheduler=False, filename_tmpl='model_{}.pth'), epochs=3)
    assert ckpt_names(tmp_path / 'run') == ['model_2.pth']
    checkpoint = load(tmp_path / 'run' / 'model_2.pth')
    assert 'optimizer_states' not in checkpoint
    assert 'param_schedulers' not in checkpoint['mmlightning']


def test_iteration_based_interval(train: Callable[..., Any], tmp_path: Path) -> None:
    train('run', dict(interval=2, by_epoch=False),
          train_cfg=dict(by_epoch=False, max_iters=5, val_interval=10))
    assert ckpt_names(tmp_path / 'run') == ['iter_2.ckpt', 'iter_4.ckpt', 'iter_5.ckpt']
    assert counters(load(tmp_path / 'run' / 'iter_4.ckpt')['meta']) == dict(epoch=0, iter=4)
    assert load(tmp_path / 'run' / 'iter_4.ckpt')['mmlightning']['iter'] == 4


def test_max_keep_ckpts_also_after_resume(train: Callable[..., Any], tmp_path: Path) -> None:
    train('run', dict(interval=1, max_keep_ckpts=3), epochs=4, hooks=(CrashAt(3),))
    assert ckpt_names(tmp_path / 'run') == ['epoch_1.ckpt', 'epoch_2.ckpt', 'epoch_3.ckpt']
    # the resumed hook knows which files it kept and prunes them to its new limit
    train('run', dict(interval=1, max_keep_ckpts=2), epochs=5, resume=True)
    assert ckpt_names(tmp_path / 'run') == ['epoch_4.ckpt', 'epoch_5.ckpt']


def test_out_dir_nests_the_work_dir_name(train: Callable[..., Any], tmp_path: Path) -> None:
    train('run', dict(interval=1, out_dir=str(tmp_path / 'out')), epochs=1)
    assert ckpt_names(tmp_path / 'out' / 'run') == ['epoch_1.ckpt']
    assert (tmp_path / 'run' / 'last_checkpoint').read_text() == \
        str(tmp_path / 'out' / 'run' / 'epoch_1.ckpt')


@pytest.mark.parametrize('save_best, rule, expected', [
    ('acc', None, 'best_acc_epoch_3.ckpt'),
    ('acc', 'less', 'best_acc_epoch_2.ckpt'),
    ('loss', None, 'best_loss_epoch_2.ckpt'),
    ('auto', None, 'best_acc_epoch_3.ckpt'),
], ids=['greater-inferred', 'less-given', 'less-inferred', 'auto'])
def test_save_best(train: Callable[..., Any], tmp_path: Path, save_best: str, rule: Any,
                   expected: str) -> None:
    scores = [dict(acc=0.5, loss=0.3), dict(acc=0.4, loss=0.1), dict(acc=0.9, loss=0.2)]
    runner = train('run', dict(interval=5, save_last=False, save_best=save_best, rule=rule),
                   epochs=3, metric=Replay(scores))
    assert ckpt_names(tmp_path / 'run') == [expected]  # the previous best was removed
    epoch = int(expected[-6])
    best = load(tmp_path / 'run' / expected)
    assert counters(best['meta']) == dict(epoch=epoch, iter=3 * epoch)
    assert 'optimizer_states' not in best
    hook = next(h for h in runner.hooks if isinstance(h, CheckpointHook))
    assert hook.best_ckpt_path == str(tmp_path / 'run' / expected)


def test_save_best_several_keys_and_iterations(train: Callable[..., Any], tmp_path: Path) -> None:
    scores = [dict(acc=0.5, loss=0.3), dict(acc=0.4, loss=0.1)]
    train('run', dict(interval=10, by_epoch=False, save_last=False, save_best=['acc', 'loss']),
          metric=Replay(scores), train_cfg=dict(by_epoch=False, max_iters=4, val_interval=2))
    assert ckpt_names(tmp_path / 'run') == ['best_acc_iter_2.ckpt', 'best_loss_iter_4.ckpt']


def test_save_best_only_while_training(train: Callable[..., Any], tmp_path: Path) -> None:
    runner = train('run', dict(save_best='acc'), epochs=1, metric=Replay([dict(acc=0.1)]))
    runner.module.val_evaluator.metrics[0].scores.append(dict(acc=0.9))
    runner.val()
    assert ckpt_names(tmp_path / 'run') == ['best_acc_epoch_1.ckpt', 'epoch_1.ckpt']


def test_save_best_errors_name_the_metric(train: Callable[..., Any]) -> None:
    with pytest.raises(KeyError, match=r"no metric 'accuracy' \(it returned \['acc'\]\)"):
        train('run', dict(save_best='accuracy', rule='greater'), epochs=1,
              metric=Replay([dict(acc=0.1)]))
    with pytest.raises(ValueError, match="cannot infer the rule for metric 'f1'"):
        train('auto', dict(save_best='auto'), epochs=1, metric=Replay([dict(f1=0.1)]))


def test_published_keys(train: Callable[..., Any], tmp_path: Path) -> None:
    scores = [dict(acc=0.5), dict(acc=0.9)]
    runner = train('run', dict(interval=1, save_best='acc', published_keys=['meta', 'state_dict']),
                   epochs=2, metric=Replay(scores))
    published = sorted(p.name for p in (tmp_path / 'run').glob('*-*.pth'))
    assert [re.sub('-[0-9a-f]{8}', '-<sha>', name) for name in published] == \
        ['best_acc_epoch_2-<sha>.pth', 'epoch_2-<sha>.pth']
    checkpoint = load(tmp_path / 'run' / published[1])
    assert sorted(checkpoint) == ['meta', 'state_dict']
    assert checkpoint['state_dict'].keys() == runner.model.state_dict().keys()
    model = type(runner.model)()
    load_weights(model, str(tmp_path / 'run' / published[0]), strict=True)
    for key, value in runner.model.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)


def test_resume_continues_like_uninterrupted_training(train: Callable[..., Any],
                                                      tmp_path: Path) -> None:
    scores = [dict(acc=0.5), dict(acc=0.4), dict(acc=0.7), dict(acc=0.6)]
    hook = dict(interval=1, max_keep_ckpts=2, save_best='acc')
    settings = dict(epochs=4, param_scheduler=dict(type='MultiStepLR', milestones=[2]),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9)))
    full = train('full', hook, metric=Replay(scores), **settings)
    train('part', hook, metric=Replay(scores[:2]), hooks=(CrashAt(2),), **settings)
    assert (tmp_path / 'part' / 'last_checkpoint').read_text().endswith('epoch_2.ckpt')
    resumed = train('part', hook, metric=Replay(scores[2:]), resume=True, **settings)
    assert resumed.iter == full.iter == 12
    # MMEngine's message-hub entries, restored from the checkpoint and updated since
    assert resumed.message_hub.get_info('best_score') == 0.7
    assert resumed.message_hub.get_info('keep_ckpt_ids') == [3, 4]
    assert resumed.message_hub.get_info('best_ckpt') == str(tmp_path / 'part' /
                                                            'best_acc_epoch_3.ckpt')
    for key, value in full.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[key], value), key
    # the resumed hook removed the files of the first run as the uninterrupted one did
    assert ckpt_names(tmp_path / 'part') == ckpt_names(tmp_path / 'full') == \
        ['best_acc_epoch_3.ckpt', 'epoch_3.ckpt', 'epoch_4.ckpt']


def test_a_failed_write_keeps_the_previous_checkpoint(train: Callable[..., Any], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    save = TorchCheckpointIO.save_checkpoint
    calls = []

    def fail_the_second_write(self: Any, checkpoint: dict, path: Any, **kwargs: Any) -> None:
        calls.append(path)
        if len(calls) == 1:
            return save(self, checkpoint, path, **kwargs)
        Path(path).write_bytes(b'partial')
        raise OSError('No space left on device')

    monkeypatch.setattr(TorchCheckpointIO, 'save_checkpoint', fail_the_second_write)
    with pytest.raises(OSError, match='No space left'):
        train('run', dict(interval=1, filename_tmpl='latest.ckpt'), epochs=2)
    assert calls == [str(tmp_path / 'run' / 'latest.ckpt.tmp')] * 2
    assert ckpt_names(tmp_path / 'run') == ['latest.ckpt']
    assert not list((tmp_path / 'run').glob('*.tmp'))
    assert counters(load(tmp_path / 'run' / 'latest.ckpt')['meta']) == dict(epoch=1, iter=3)


def test_save_checkpoint_rejects_remote_backends(train: Callable[..., Any]) -> None:
    class SaveRemotely(Hook):
        def after_train_epoch(self, runner: Any) -> None:
            runner.save_checkpoint('s3://bucket', 'x.ckpt', backend_args=dict(backend='petrel'))

    with pytest.raises(ValueError, match='takes no file_client_args/backend_args'):
        train('run', dict(interval=-1, save_last=False), epochs=1, hooks=(SaveRemotely(),))


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(save_best=3), TypeError, 'save_best must be a metric name'),
    (dict(save_best=['auto', 'acc']), ValueError, "'auto' cannot be combined"),
    (dict(save_best=['acc', 'acc']), ValueError, 'has duplicates'),
    (dict(save_best='acc', rule=1), TypeError, "rule must be 'greater', 'less', None or a list"),
    (dict(save_best=['acc', 'mAP'], rule=['greater'] * 3), ValueError, 'one per save_best key'),
    (dict(save_best='acc', rule='greatr'), KeyError, "got 'greatr'. Did you mean 'greater'"),
    (dict(save_best='f1'), ValueError, "cannot infer the rule for metric 'f1'"),
    (dict(greater_keys=[1]), TypeError, 'greater_keys must be a str or a sequence of str'),
    (dict(published_keys=3), TypeError, 'published_keys must be a str'),
    (dict(published_keys=['meta', 'meta']), ValueError, 'has duplicates'),
    (dict(save_begin=-1), ValueError, 'save_begin must be >= 0, got -1'),
    (dict(backend_args=dict(backend='petrel')), ValueError, 'only a local backend'),
    (dict(file_client_args=dict(backend='disk'), backend_args=dict(backend='local')), ValueError,
     'cannot be set at the same time'),
    (dict(max_keep=1), TypeError, r"unknown arguments \['max_keep'\]"),
])
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        CheckpointHook(**kwargs)


def test_local_storage_args_are_accepted(tmp_path: Any) -> None:
    hook = CheckpointHook(out_dir=str(tmp_path), file_client_args=dict(backend='disk'))
    hook.before_train(SimpleNamespace(work_dir=str(tmp_path / 'exp'), logger=None))
    assert isinstance(hook.file_client, FileClient) and hook.file_backend is hook.file_client
    hook = CheckpointHook(backend_args=dict(backend='local'))
    hook.before_train(SimpleNamespace(work_dir=str(tmp_path), logger=None))
    assert isinstance(hook.file_backend, LocalBackend)
    assert hook.file_backend.join_path(hook.out_dir, 'a.ckpt') == str(tmp_path / 'a.ckpt')


def test_rule_inference_follows_mmengine() -> None:
    hook = CheckpointHook(save_best=['mAP', 'top1_acc', 'val_loss'], less_keys='val_loss')
    assert hook.rules == ['greater', 'greater', 'less']
    assert hook.is_better_than['val_loss'](0.1, 0.2) and hook.is_better_than['mAP'](0.2, 0.1)
    assert CheckpointHook(save_best=['f1', 'fid'], rule=['greater', 'less']).rules == \
        ['greater', 'less']
    assert CheckpointHook(save_best='auto').rules == [None]
    assert CheckpointHook(by_epoch=False).filename_tmpl == 'iter_{}.ckpt'
