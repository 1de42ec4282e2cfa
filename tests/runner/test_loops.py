"""MMEngine's loop classes run by a runner with MMEngine's interface (no Lightning)."""
from __future__ import annotations

import logging
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from mmlightning.dataset import DefaultSampler, pseudo_collate
from mmlightning.evaluator import BaseMetric, Evaluator
from mmlightning.logging import MMLogger
from mmlightning.model import BaseModel
from mmlightning.registry import LOOPS
from mmlightning.runner import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop, ValLoop, loops
from mmlightning.runner.loops import _InfiniteDataloaderIterator
from mmlightning.structures import BaseDataElement


class Numbers(torch.utils.data.Dataset):
    metainfo = dict(classes=('a', 'b'))

    def __init__(self, size: int = 6) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.tensor([float(index)]), data_samples=index % 2)


class Linear(BaseModel):
    """Predicts ``x > threshold``; with ``with_loss`` val/test append MMEngine's loss element."""

    def __init__(self, with_loss: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(1, 1)
        self.with_loss = with_loss

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = 'tensor') -> Any:
        x = torch.stack(inputs)
        if mode == 'loss':
            return dict(loss=self.fc(x).pow(2).mean())
        outputs = [dict(pred=int(v > 2), gt=int(g)) for v, g in zip(x[:, 0], data_samples)]
        if self.with_loss:
            outputs.append(BaseDataElement(loss=dict(loss_a=x.mean(), acc_b=[x.sum()])))
        return outputs


class Accuracy(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=sum(results) / len(results))


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings_logged() -> Any:
    """The warnings MMLogger's current instance logs (``print_log(logger='current')``)."""
    logger = MMLogger.get_instance('test_loops')
    handler = Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


class FakeRunner:
    """MMEngine's ``Runner`` interface, recording the hook points called."""

    def __init__(self, model: BaseModel | None = None) -> None:
        self.model = model or Linear()
        self.optim_wrapper = _OptimWrapper(self.model)
        self.calls: list[tuple[str, Any]] = []
        self.val_loop: Any = None
        self.seed = 7
        self._randomness_cfg = dict(diff_rank_seed=True)
        self.visualizer = type('Vis', (), {'dataset_meta': None})()
        self.built_with: dict[str, Any] = {}

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        self.calls.append((fn_name, kwargs.get('batch_idx')))

    def build_dataloader(self, cfg: dict, seed: int | None = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        self.built_with = dict(seed=seed, diff_rank_seed=diff_rank_seed)
        return DataLoader(Numbers(cfg['size']), batch_size=cfg['batch_size'],
                          collate_fn=pseudo_collate)

    def build_evaluator(self, cfg: Any) -> Evaluator:
        return Evaluator(cfg)


class _OptimWrapper:
    def __init__(self, model: nn.Module) -> None:
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        self.steps = 0

    def update_params(self, loss: torch.Tensor) -> None:
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        self.steps += 1

    def optim_context(self, model: nn.Module) -> Any:
        import contextlib

        return contextlib.nullcontext()


def loader(size: int = 6, batch_size: int = 2, **kwargs: Any) -> DataLoader:
    return DataLoader(Numbers(size), batch_size=batch_size, collate_fn=pseudo_collate, **kwargs)


def names(calls: list) -> list[str]:
    return [name for name, _ in calls]


def test_registered_and_abstract_base() -> None:
    for cls in (EpochBasedTrainLoop, IterBasedTrainLoop, ValLoop, loops.TestLoop):
        assert LOOPS.get(cls.__name__) is cls and issubclass(cls, BaseLoop)
    with pytest.raises(TypeError, match='abstract'):
        BaseLoop(FakeRunner(), loader())


def test_base_loop_builds_a_dataloader_dict_with_the_runner() -> None:
    class Loop(BaseLoop):
        def run(self) -> str:
            return 'ran'

    runner = FakeRunner()
    loop = Loop(runner, dict(size=4, batch_size=2))
    assert loop.runner is runner and len(loop.dataloader) == 2 and loop.run() == 'ran'
    assert runner.built_with == dict(seed=7, diff_rank_seed=True)
    given = loader()
    assert Loop(runner, given).dataloader is given


def test_epoch_based_loop_runs_mmengine_hooks_and_validation() -> None:
    runner = FakeRunner()
    runner.val_loop = ValLoop(runner, loader(), [Accuracy()])
    loop = EpochBasedTrainLoop(runner, loader(), max_epochs=3, val_begin=2)
    assert (loop.max_epochs, loop.max_iters, loop.epoch, loop.iter) == (3, 9, 0, 0)
    assert runner.visualizer.dataset_meta == Numbers.metainfo
    assert loop.run() is runner.model
    assert (loop.epoch, loop.iter, runner.optim_wrapper.steps) == (3, 9, 9)
    called = names(runner.calls)
    assert called[0] == 'before_train' and called[-1] == 'after_train'
    assert called.count('before_val') == 2  # after epochs 2 and 3
    first_epoch = called[1:called.index('after_train_epoch') + 1]
    assert first_epoch == ['before_train_epoch'] + ['before_train_iter', 'after_train_iter'] * 3 \
        + ['after_train_epoch']
    assert [idx for name, idx in runner.calls if name == 'before_train_iter'][:4] == [0, 1, 2, 0]


def test_stop_training_and_whole_numbers() -> None:
    runner = FakeRunner()
    loop = EpochBasedTrainLoop(runner, loader(), max_epochs=5)
    loop.stop_training = True
    loop.run()
    assert loop.epoch == 0
    with pytest.raises(TypeError, match='`max_epochs` should be a integer number'):
        EpochBasedTrainLoop(runner, loader(), max_epochs=1.5)
    with pytest.raises(TypeError, match='`max_iters` should be a integer number'):
        IterBasedTrainLoop(runner, loader(), max_iters=2.5)


def test_iter_based_loop_passes_iterations_and_dynamic_intervals() -> None:
    runner = FakeRunner()
    runner.val_loop = ValLoop(runner, loader(), [Accuracy()])
    loop = IterBasedTrainLoop(runner, loader(), max_iters=12, val_interval=5,
                              dynamic_intervals=[(11, 2)])
    assert (loop.max_epochs, loop.max_iters, loop.val_interval) == (1, 12, 5)
    seen = []
    recorded = runner.call_hook

    def call_hook(fn_name: str, **kwargs: Any) -> None:
        if fn_name == 'before_train_iter':
            seen.append(loop.val_interval)
        if fn_name == 'before_val':
            seen.append(('val', loop.iter))
        recorded(fn_name, **kwargs)

    runner.call_hook = call_hook
    loop.run()
    assert seen == [5] * 5 + [('val', 5)] + [5] * 5 + [('val', 10), 2, 2, ('val', 12)]
    assert [idx for name, idx in runner.calls if name == 'before_train_iter'] == list(range(12))
    assert names(runner.calls).count('before_train_epoch') == 1


def test_iter_based_resume_skips_trained_batches(warnings_logged: list[str]) -> None:
    runner = FakeRunner()
    loop = IterBasedTrainLoop(runner, loader(size=8), max_iters=4)
    loop._iter = 2
    loop.run()
    assert loop.iter == 4 and runner.optim_wrapper.steps == 2
    assert 'Advance dataloader 2 steps to skip data that has already been trained' in \
        warnings_logged


def test_infinite_iterator_restarts_and_sets_the_epoch(warnings_logged: list[str]) -> None:
    dataset = Numbers(4)
    sampler = DefaultSampler(dataset, shuffle=True, seed=0)
    data = DataLoader(dataset, batch_size=2, sampler=sampler, collate_fn=pseudo_collate)
    iterator = _InfiniteDataloaderIterator(data)
    assert iter(iterator) is iterator
    first = [next(iterator)['data_samples'] for _ in range(2)]
    assert sampler.epoch == 0 and not warnings_logged
    restarted = [next(iterator)['data_samples'] for _ in range(2)]
    assert sampler.epoch == 1 and iterator._epoch == 1
    assert len(warnings_logged) == 1 and 'Reach the end of the dataloader' in warnings_logged[0]
    assert 'InfiniteSampler' in warnings_logged[0]
    assert sorted(sum(first, [])) == sorted(sum(restarted, [])) == [0, 0, 1, 1]


def test_infinite_iterator_uses_the_batch_samplers_sampler() -> None:
    dataset = Numbers(2)
    sampler = DefaultSampler(dataset, shuffle=False)
    batch_sampler = torch.utils.data.BatchSampler(sampler, batch_size=2, drop_last=False)
    data = DataLoader(dataset, batch_sampler=batch_sampler, collate_fn=pseudo_collate)
    iterator = _InfiniteDataloaderIterator(data)
    next(iterator)
    next(iterator)
    assert sampler.epoch == 1


@pytest.mark.parametrize('loop_cls, stage, step', [(ValLoop, 'val', 'val_step'),
                                                    (loops.TestLoop, 'test', 'test_step')])
def test_eval_loops_evaluate_and_average_losses(loop_cls: type, stage: str, step: str) -> None:
    runner = FakeRunner(Linear(with_loss=True))
    loop = loop_cls(runner, loader(), [Accuracy()], fp16=False)
    assert isinstance(loop.evaluator, Evaluator) and loop.fp16 is False
    assert loop.evaluator.dataset_meta == Numbers.metainfo
    metrics = loop.run()
    # inputs 0..5 in batches of 2: mean of the batch means, sum of the batch sums
    assert metrics['acc'] == pytest.approx(4 / 6)
    assert metrics['loss_a'] == pytest.approx(2.5) and metrics['acc_b'] == pytest.approx(5.0)
    assert metrics[f'{stage}_loss'] == pytest.approx(2.5)
    assert set(getattr(loop, f'{stage}_loss')) == {'loss_a', 'acc_b'}
    called = names(runner.calls)
    assert called[:2] == [f'before_{stage}', f'before_{stage}_epoch']
    assert called[-2:] == [f'after_{stage}_epoch', f'after_{stage}']
    assert called.count(f'after_{stage}_iter') == 3 and not runner.model.training


def test_eval_loop_refuses_a_bad_evaluator() -> None:
    with pytest.raises(TypeError, match='evaluator must be one of dict, list or Evaluator'):
        ValLoop(FakeRunner(), loader(), evaluator=3)


class RecordsValidation:
    def __init__(self, runner: FakeRunner, train_loop: Any) -> None:
        self.runner, self.train_loop = runner, train_loop

    def run(self) -> None:
        self.runner.calls.append(('val', self.train_loop.epoch))


def test_hook_sequence_matches_mmengine() -> None:
    mmengine_loops = pytest.importorskip('mmengine.runner.loops')
    sequences = []
    for module in (mmengine_loops, None):
        runner = FakeRunner()
        torch.manual_seed(0)
        runner.model = Linear()
        runner.optim_wrapper = _OptimWrapper(runner.model)
        epoch_cls = mmengine_loops.EpochBasedTrainLoop if module else EpochBasedTrainLoop
        loop = epoch_cls(runner, loader(), max_epochs=4, val_interval=3,
                         dynamic_intervals=[(3, 1)])
        runner.val_loop = RecordsValidation(runner, loop)
        loop.run()
        sequences.append((runner.calls, loop.val_interval, loop.dynamic_milestones,
                          loop.dynamic_intervals))
    assert sequences[0] == sequences[1]
