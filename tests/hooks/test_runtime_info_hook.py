"""RuntimeInfoHook: runtime information and scalars in the message hub, tensors kept lazily."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from mmlightning.config import Config
from mmlightning.hooks import RuntimeInfoHook
from mmlightning.logging import MessageHub
from mmlightning.optim import OptimWrapper, OptimWrapperDict
from mmlightning.registry import HOOKS
from mmlightning.version import __version__


def sgd_wrapper(lr: float) -> OptimWrapper:
    return OptimWrapper(torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=lr))


def fake_runner(**kwargs: Any) -> SimpleNamespace:
    dataset = SimpleNamespace(metainfo=dict(classes=('cat', 'dog')))
    values = dict(message_hub=MessageHub.get_instance('runtime_info_test'),
                  cfg=Config(dict(lr=0.1, name='exp')), seed=7, experiment_name='exp',
                  epoch=1, iter=9, max_epochs=4, max_iters=12,
                  train_dataloader=SimpleNamespace(dataset=dataset),
                  optim_wrapper=sgd_wrapper(0.25))
    values.update(kwargs)
    return SimpleNamespace(**values)


def test_registered_with_mmengine_priority() -> None:
    hook = HOOKS.build(dict(type='RuntimeInfoHook'))
    assert isinstance(hook, RuntimeInfoHook) and hook.priority == 'VERY_HIGH'


def test_before_run_records_config_seed_name_and_version() -> None:
    runner = fake_runner()
    RuntimeInfoHook().before_run(runner)
    info = runner.message_hub.runtime_info
    assert info['cfg'] == runner.cfg.pretty_text and 'lr = 0.1' in info['cfg']
    assert (info['seed'], info['experiment_name']) == (7, 'exp')
    assert info['mmlightning_version'].startswith(__version__)


def test_config_without_literal_form_falls_back_to_repr() -> None:
    dataset = torch.utils.data.TensorDataset(torch.zeros(2))
    runner = fake_runner(cfg=Config(dict(train_dataloader=dict(dataset=dataset))))
    with pytest.raises(ValueError, match='cannot be written'):
        runner.cfg.pretty_text  # noqa: B018 - the case the fallback exists for
    RuntimeInfoHook().before_run(runner)
    assert runner.message_hub.get_info('cfg') == repr(runner.cfg.to_dict())
    plain = fake_runner(cfg=dict(a=1))
    RuntimeInfoHook().before_run(plain)
    assert plain.message_hub.get_info('cfg') == "{'a': 1}"


def test_training_state_and_dataset_meta() -> None:
    runner, hook = fake_runner(), RuntimeInfoHook()
    hook.before_run(runner)
    hook.before_train(runner)
    info = runner.message_hub.runtime_info
    assert [info[k] for k in ('loop_stage', 'epoch', 'iter', 'max_epochs', 'max_iters')] == \
        ['train', 1, 9, 4, 12]
    assert info['dataset_meta'] == dict(classes=('cat', 'dog'))
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert info['epoch'] == 2
    hook.after_train(runner)
    assert 'loop_stage' not in info
    no_meta = fake_runner(train_dataloader=SimpleNamespace(dataset=[1, 2]))
    no_meta.message_hub.pop_info('dataset_meta')
    hook.before_train(no_meta)
    assert 'dataset_meta' not in no_meta.message_hub.runtime_info


def test_learning_rates_are_numbers() -> None:
    runner = fake_runner()
    RuntimeInfoHook().before_train_iter(runner, batch_idx=0)
    assert runner.message_hub.get_info('iter') == 9
    assert runner.message_hub.get_scalar('train/lr').current() == 0.25
    assert runner.message_hub.get_scalar('train/lr')._pending_values == []  # nothing lazy
    several = fake_runner(message_hub=MessageHub.get_instance('several'),
                          optim_wrapper=OptimWrapperDict(gen=sgd_wrapper(0.5),
                                                         disc=sgd_wrapper(0.125)))
    RuntimeInfoHook().before_train_iter(several, batch_idx=0)
    scalars = several.message_hub.log_scalars
    assert [k for k in scalars] == ['train/gen.lr', 'train/disc.lr']
    assert scalars['train/disc.lr'].current() == 0.125


def test_get_lr_must_return_a_dict() -> None:
    runner = fake_runner(optim_wrapper=SimpleNamespace(get_lr=lambda: [0.1]))
    with pytest.raises(TypeError, match=r'get_lr\(\)` should return a dict.*got list'):
        RuntimeInfoHook().before_train_iter(runner, batch_idx=0)


def test_outputs_are_kept_as_tensors_until_read(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = fake_runner()
    loss = torch.tensor(0.75, requires_grad=True) * 2
    item_calls = []
    original_item = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, 'item',
                        lambda t: item_calls.append(t) or original_item(t))
    RuntimeInfoHook().after_train_iter(runner, 0, outputs=dict(loss=loss, acc=torch.tensor(3)))
    buffer = runner.message_hub.get_scalar('train/loss')
    pending = buffer._pending_values
    assert len(pending) == 1 and isinstance(pending[0], torch.Tensor)
    assert not pending[0].requires_grad and item_calls == []
    assert buffer.current() == 1.5 and runner.message_hub.get_scalar('train/acc').current() == 3
    RuntimeInfoHook().after_train_iter(runner, 1, outputs=None)
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 1


@pytest.mark.parametrize('mode', ['val', 'test'])
def test_metrics_scalars_and_non_scalars(mode: str) -> None:
    runner = fake_runner()
    confusion = np.eye(2)
    metrics = dict(acc=0.5, top1=np.float32(0.25), one=np.array([3.0]), t=torch.tensor(2.0),
                   confusion=confusion, name='x')
    getattr(RuntimeInfoHook(), f'after_{mode}_epoch')(runner, metrics=metrics)
    hub = runner.message_hub
    assert {k: float(hub.get_scalar(f'{mode}/{k}').current())
            for k in ('acc', 'top1', 'one', 't')} == dict(acc=0.5, top1=0.25, one=3.0, t=2.0)
    assert hub.get_info(f'{mode}/confusion') is confusion
    assert hub.get_info(f'{mode}/name') == 'x'
    getattr(RuntimeInfoHook(), f'after_{mode}_epoch')(runner, metrics=None)
    assert len(hub.get_scalar(f'{mode}/acc').data[0]) == 1


def test_loop_stage_through_validation_and_testing() -> None:
    runner, hook = fake_runner(), RuntimeInfoHook()
    hub = runner.message_hub
    hook.before_run(runner)
    hook.before_train(runner)
    hook.before_val(runner)
    assert hub.get_info('loop_stage') == 'val'
    hook.after_val(runner)
    assert hub.get_info('loop_stage') == 'train'  # validation inside training
    hook.after_train(runner)
    hook.before_val(runner)
    hook.after_val(runner)
    assert 'loop_stage' not in hub.runtime_info  # standalone validation
    hook.before_test(runner)
    assert hub.get_info('loop_stage') == 'test'
    hook.after_test(runner)
    assert 'loop_stage' not in hub.runtime_info
