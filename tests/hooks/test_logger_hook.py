"""LoggerHook: MMEngine's log lines and scalar files, on a fake runner and in real runs."""
from __future__ import annotations

import json
import logging
import re
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch

import mmlightning
from mmlightning.hooks import Hook, LoggerHook
from mmlightning.logging import LogProcessor, MessageHub, MMLogger
from mmlightning.registry import HOOKS
from mmlightning.visualization import Visualizer

NUMBER = r'\d+\.\d{4}'
ETA = r'\d+:\d\d:\d\d'


@pytest.fixture
def runner(tmp_path: Path) -> SimpleNamespace:
    """What LoggerHook reads from a runner: real hub, logger, processor and visualizer."""
    log_dir = tmp_path / 'work_dir' / 'ts'
    log_dir.mkdir(parents=True)
    loaders = dict(train=[0] * 5, val=[0] * 2, test=[0] * 3)
    return SimpleNamespace(
        work_dir=str(tmp_path / 'work_dir'), log_dir=str(log_dir), timestamp='ts',
        experiment_name='exp',
        logger=MMLogger.get_instance('logger_hook_test', log_file=str(log_dir / 'ts.log')),
        message_hub=MessageHub.get_instance('logger_hook_test'),
        visualizer=Visualizer(name=str(tmp_path), vis_backends=[dict(type='LocalVisBackend')],
                              save_dir=str(log_dir)),
        log_processor=LogProcessor(), iter=0, epoch=0, max_iters=10, max_epochs=2, model=None,
        _train_loop=SimpleNamespace(), train_loop=SimpleNamespace(dataloader=loaders['train']),
        val_loop=SimpleNamespace(dataloader=loaders['val']),
        test_loop=SimpleNamespace(dataloader=loaders['test']),
        **{f'{mode}_dataloader': loader for mode, loader in loaders.items()})


def log_lines(runner: Any) -> list[str]:
    text = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    return [line.split(' - INFO - ')[1] for line in text.splitlines() if ' - INFO - ' in line]


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def train_epoch(runner: Any, hook: LoggerHook) -> None:
    """One epoch of the fake runner's 5 iterations, logging lr, times and a loss."""
    for batch_idx in range(5):
        hub = runner.message_hub
        hub.update_scalars({'train/lr': 0.1, 'train/data_time': 0.5, 'train/time': 1.0,
                            'train/loss': torch.tensor(float(runner.iter))})
        hub.update_info('eta', 90)
        hook.after_train_iter(runner, batch_idx)
        runner.iter += 1
    runner.epoch += 1


def test_registered_with_mmengine_priority() -> None:
    hook = HOOKS.build(dict(type='LoggerHook', interval=3))
    assert isinstance(hook, LoggerHook) and hook.priority == 'BELOW_NORMAL'
    assert (hook.interval, hook.ignore_last, hook.interval_exp_name, hook.out_dir) == \
        (3, True, 1000, None)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(interval='1'), TypeError, 'interval must be an integer'),
    (dict(interval=0), ValueError, 'interval must be greater than 0'),
    (dict(interval_exp_name=-1), ValueError, 'interval_exp_name must be greater than 0'),
    (dict(ignore_last=1), TypeError, 'ignore_last must be a boolean'),
    (dict(keep_local='no'), TypeError, 'keep_local must be a boolean'),
    (dict(out_dir=3), TypeError, 'out_dir must be a str or Path'),
    (dict(out_suffix=['.log', 1]), TypeError, 'out_suffix should be a string or a sequence'),
    (dict(file_client_args={}), ValueError, 'file_client_args should be "None" when'),
    (dict(out_dir='o', file_client_args={}, backend_args={}), ValueError,
     'cannot be set at the same time'),
])
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        LoggerHook(**kwargs)


def test_file_client_args_warns_and_is_ignored(tmp_path: Any) -> None:
    logger = MMLogger.get_instance('test_file_client_args')
    with mock.patch.object(logger, 'log') as log:
        hook = LoggerHook(out_dir=str(tmp_path), file_client_args=dict(backend='disk'))
    level, message = log.call_args[0]
    assert level == logging.WARNING and 'will be deprecated' in message
    assert hook.out_dir == str(tmp_path)


@pytest.mark.parametrize('ignore_last, logged', [(True, [2, 4]), (False, [2, 4, 5])])
def test_train_lines_at_intervals(runner: Any, ignore_last: bool, logged: list[int]) -> None:
    hook = LoggerHook(interval=2, ignore_last=ignore_last, interval_exp_name=3)
    hook.before_run(runner)
    train_epoch(runner, hook)
    lines = log_lines(runner)
    train = [line for line in lines if line.startswith('Epoch(train)')]
    assert [re.search(r'\]\[(\d)/5\]', line).group(1) for line in train] == \
        [str(i) for i in logged]
    assert re.fullmatch(r'Epoch\(train\) \[1\]\[2/5\]  lr: 1\.0000e-01  eta: 0:01:30  '
                        r'time: 1\.0000  data_time: 0\.5000  (memory: \d+  )?loss: 0\.5000',
                        train[0])
    assert lines.count('Exp name: exp') == 2  # iteration 3 and the end of the epoch
    records = json_lines(Path(runner.log_dir, 'vis_data', 'scalars.json'))
    assert [r['step'] for r in records] == logged
    assert list(records[0])[:6] == ['lr', 'data_time', 'time', 'loss', 'epoch', 'iter']
    assert json_lines(Path(runner.log_dir, 'vis_data', 'ts.json')) == records


def test_short_epochs_log_their_last_iteration(runner: Any) -> None:
    hook = LoggerHook(interval=10)  # more than the 5 iterations of an epoch
    hook.before_run(runner)
    train_epoch(runner, hook)
    assert [line[:21] for line in log_lines(runner) if 'Epoch' in line] == \
        ['Epoch(train) [1][5/5]']


@pytest.mark.parametrize('mode', ['val', 'test'])
def test_evaluation_iteration_lines(runner: Any, mode: str) -> None:
    hook = LoggerHook(interval=2)
    hook.before_run(runner)
    for batch_idx in range(len(getattr(runner, f'{mode}_dataloader'))):
        runner.message_hub.update_scalars({f'{mode}/time': 0.25, f'{mode}/data_time': 0.125})
        runner.message_hub.update_info('eta', 1)
        getattr(hook, f'after_{mode}_iter')(runner, batch_idx)
    header = 'Epoch(val) [0][2/2]' if mode == 'val' else 'Epoch(test) [2/3]'
    assert log_lines(runner) == [f'{header}    eta: 0:00:01  time: 0.2500  data_time: 0.1250  ']


@pytest.mark.parametrize('training, by_epoch, step', [
    (True, True, 3), (True, False, 15), (False, True, 0), (False, False, 0)])
def test_validation_metrics_step(runner: Any, training: bool, by_epoch: bool,
                                 step: int) -> None:
    runner.epoch, runner.iter = 3, 15
    runner._train_loop = SimpleNamespace() if training else None
    hook = LoggerHook(log_metric_by_epoch=by_epoch)
    hook.before_run(runner)
    runner.message_hub.update_scalars({'val/data_time': 0.25, 'val/time': 0.5, 'val/acc': 0.75})
    hook.after_val_epoch(runner, metrics=dict(acc=0.75))
    epoch = 3 if training else 0
    assert log_lines(runner) == [
        f'Epoch(val) [{epoch}][2/2]    acc: 0.7500  data_time: 0.2500  time: 0.5000']
    records = json_lines(Path(runner.log_dir, 'vis_data', 'scalars.json'))
    assert records == [dict(acc=0.75, data_time=0.25, time=0.5, step=step)]


def test_test_results_dumped_to_log_dir(runner: Any) -> None:
    hook = LoggerHook()
    hook.before_run(runner)
    hub = runner.message_hub
    hub.update_scalars({'test/acc': np.float64(0.5), 'test/count': 4, 'test/time': 0.5,
                        'test/data_time': 0.25})
    hub.update_info('test/confusion', torch.eye(2))
    hub.update_info('test/sample', object())
    hook.after_test_epoch(runner, metrics=None)
    assert log_lines(runner)[0].startswith('Epoch(test) [3/3]    acc: 0.5000  count: 4  ')
    dumped = json.loads(Path(runner.log_dir, 'ts.json').read_text())
    assert dumped == dict(acc=0.5, count=4, confusion=[[1.0, 0.0], [0.0, 1.0]], sample=None,
                          data_time=0.25, time=0.5)


def test_training_curves_drawn_after_a_training_run(runner: Any) -> None:
    hook = LoggerHook(interval=1)
    hook.before_run(runner)
    train_epoch(runner, hook)
    hook.after_run(runner)  # no after_train: not a training run
    png = Path(runner.log_dir, 'vis_data', 'scalars.png')
    assert not png.exists()
    hook.before_run(runner)
    hook.after_train(runner)
    hook.after_run(runner)
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert f'Training curves drawn to {png}' in log_lines(runner)


def test_failed_curves_only_warn(runner: Any) -> None:
    def fail() -> list:
        raise FileNotFoundError('no scalars.json')

    runner.visualizer = SimpleNamespace(plot_scalars=fail, close=lambda: None)
    hook = LoggerHook()
    hook.before_run(runner)
    hook.after_train(runner)
    hook.after_run(runner)
    text = Path(runner.log_dir, 'ts.log').read_text()
    assert "WARNING - The training curves were not drawn: FileNotFoundError('no scalars" in text


@pytest.mark.parametrize('keep_local', [True, False])
def test_logs_copied_to_out_dir(runner: Any, tmp_path: Path, keep_local: bool) -> None:
    hook = LoggerHook(out_dir=tmp_path / 'out', out_suffix=['.log', '.json'],
                      keep_local=keep_local)
    for _ in range(2):  # a second run (e.g. test after train) keeps the same out_dir
        hook.before_run(runner)
    out = tmp_path / 'out' / 'work_dir'
    assert hook.out_dir == str(out)
    runner.visualizer.add_scalars(dict(loss=1.0), step=1, file_path='ts.json')
    Path(runner.log_dir, 'notes.txt').write_text('not copied')
    hook.after_run(runner)
    assert sorted(str(p.relative_to(out)) for p in out.rglob('*') if p.is_file()) == \
        ['ts.log', 'vis_data/scalars.json', 'vis_data/ts.json']
    assert f'Text logs will be saved to {out} after the training process.' in \
        (out / 'ts.log').read_text()
    assert Path(runner.log_dir, 'ts.log').exists() == keep_local
    assert Path(runner.log_dir, 'vis_data', 'scalars.json').exists() == keep_local
    assert Path(runner.log_dir, 'notes.txt').exists()
    runner.logger.info('after the copy')
    assert Path(runner.log_dir, 'ts.log').exists() == keep_local


def test_logs_copied_to_a_url_out_dir(runner: Any) -> None:
    import fsspec

    hook = LoggerHook(out_dir='memory://logger-hook-out', out_suffix='.log',
                      backend_args=dict(storage_options={}))
    hook.before_run(runner)
    assert hook.out_dir == 'memory://logger-hook-out/work_dir'
    hook.after_run(runner)
    memory = fsspec.filesystem('memory')
    try:
        text = memory.cat_file('/logger-hook-out/work_dir/ts.log').decode()
        assert 'Text logs will be saved to memory://logger-hook-out/work_dir' in text
    finally:
        memory.rm('/logger-hook-out', recursive=True)


def logged_runner(make_runner: Any, **kwargs: Any) -> Any:
    return make_runner([], default_hooks=dict(
        checkpoint=None, logger=dict(type='LoggerHook', interval=2)), **kwargs)


def test_epoch_based_run_writes_mmengine_logs(make_runner: Any) -> None:
    runner = logged_runner(make_runner)
    dataset = runner.datamodule.train_dataset
    dataset.metainfo = dict(classes=('even', 'odd'))
    runner.train()
    hub = runner.message_hub  # what RuntimeInfoHook put there during the run
    assert hub.get_info('dataset_meta') is dataset.metainfo
    assert [hub.get_info(k) for k in ('epoch', 'iter', 'max_iters', 'max_epochs')] == [1, 5, 6, 2]
    assert [len(hub.get_scalar(k).data[0]) for k in ('train/loss', 'train/lr', 'val/acc')] == \
        [6, 6, 2]
    runner.test()
    log_dir = Path(runner.log_dir)
    lines = log_lines(SimpleNamespace(log_dir=log_dir, timestamp=runner.timestamp))
    memory = r'(memory: \d+  )?'
    train = rf'Epoch\(train\) \[(\d)\]\[2/3\]  lr: 5\.0000e-01  eta: {ETA}  time: {NUMBER}  ' \
        rf'data_time: {NUMBER}  {memory}loss: {NUMBER}'
    val = rf'Epoch\(val\) \[(\d)\]\[2/2\]    acc: {NUMBER}  data_time: {NUMBER}  time: {NUMBER}'
    assert [re.fullmatch(train, line).group(1) for line in lines if 'Epoch(train)' in line] == \
        ['1', '2']  # [1][3/3] is not logged: ignore_last
    assert [re.fullmatch(val, line).group(1) for line in lines
            if line.startswith('Epoch(val)') and 'acc' in line] == ['1', '2']
    assert any(re.fullmatch(rf'Epoch\(test\) \[2/2\]    acc: {NUMBER}  data_time: {NUMBER}  '
                            rf'time: {NUMBER}', line) for line in lines)
    records = json_lines(log_dir / 'vis_data' / 'scalars.json')
    assert [(sorted(r), r['step']) for r in records] == [
        (['data_time', 'epoch', 'iter', 'loss', 'lr', 'step', 'time'], 2),
        (['acc', 'data_time', 'step', 'time'], 1),
        (['data_time', 'epoch', 'iter', 'loss', 'lr', 'step', 'time'], 5),
        (['acc', 'data_time', 'step', 'time'], 2)]
    assert json_lines(log_dir / 'vis_data' / f'{runner.timestamp}.json') == records
    assert (log_dir / 'vis_data' / 'scalars.png').stat().st_size > 0
    assert set(json.loads((log_dir / f'{runner.timestamp}.json').read_text())) == \
        {'acc', 'data_time', 'time'}


def test_iteration_based_run_writes_mmengine_logs(make_runner: Any) -> None:
    runner = logged_runner(make_runner, train_cfg=dict(by_epoch=False, max_iters=5,
                                                       val_interval=2),
                           log_processor=dict(by_epoch=False))
    runner.train()
    log_dir = Path(runner.log_dir)
    lines = log_lines(SimpleNamespace(log_dir=log_dir, timestamp=runner.timestamp))
    assert [line[:17] for line in lines if line.startswith('Iter(train)')] == \
        ['Iter(train) [2/5]', 'Iter(train) [4/5]']
    assert sum(bool(re.fullmatch(rf'Iter\(val\) \[2/2\]    acc: {NUMBER}  .*', line))
               for line in lines) == 3  # after iterations 2 and 4, and at the end
    records = json_lines(log_dir / 'vis_data' / 'scalars.json')
    assert [(r['step'], 'acc' in r) for r in records] == [(2, False), (0, True), (4, False),
                                                           (0, True), (0, True)]
    assert 'epoch' not in records[0] and records[2]['iter'] == 4
    assert (log_dir / 'vis_data' / 'scalars.png').is_file()


SYNCING = ('item', 'tolist', '__float__', '__int__', '__bool__', 'cpu', 'numpy')


def test_no_device_reads_outside_logging_steps(make_runner: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """20 iterations, LoggerHook(interval=1000): mmlightning reads tensor values only
    where a line is logged (the end of the first pass over the 3 batches)."""
    package = str(Path(mmlightning.__file__).parent)
    state: dict[str, Any] = dict(iter=None)
    reads: Counter = Counter()

    class IterRecorder(Hook):
        priority = 'HIGHEST'

        def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
            state['iter'] = runner.iter

        def after_train(self, runner: Any) -> None:
            state['iter'] = None

    def counting(name: str) -> Any:
        original = getattr(torch.Tensor, name)

        def method(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_code.co_filename
            if state['iter'] is not None and caller.startswith(package):
                reads[(name, state['iter'], caller[len(package):])] += 1
            return original(self, *args, **kwargs)
        return method

    for name in SYNCING:
        monkeypatch.setattr(torch.Tensor, name, counting(name))
    runner = make_runner([IterRecorder()], train_cfg=dict(by_epoch=False, max_iters=20),
                         val_dataloader=None, val_evaluator=None, val_cfg=None,
                         default_hooks=dict(checkpoint=None,
                                            logger=dict(type='LoggerHook', interval=1000)))
    runner.train()
    assert runner.iter == 20
    lines = log_lines(SimpleNamespace(log_dir=runner.log_dir, timestamp=runner.timestamp))
    assert [line[:21] for line in lines if '(train)' in line] == ['Epoch(train) [1][3/3]']
    assert not any(name == 'item' for name, _, _ in reads)
    # the one logging step (iteration index 2) converts the pending losses in one tolist()
    assert {it for _, it, _ in reads} <= {2}, reads
