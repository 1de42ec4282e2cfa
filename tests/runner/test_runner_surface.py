"""Runner: MMEngine's build_* methods, hook registration, properties and argument checks."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from mmlightning.evaluator import Evaluator
from mmlightning.hooks import Hook, IterTimerHook, ParamSchedulerHook, RuntimeInfoHook
from mmlightning.logging import LogProcessor, MessageHub, MMLogger
from mmlightning.optim import MultiStepLR, OptimWrapper, OptimWrapperDict
from mmlightning.registry import RUNNERS
from mmlightning.runner import Runner
from mmlightning.runner.errors import RunnerKeyError, RunnerOrderError
from mmlightning.runner.priority import Priority, get_priority
from mmlightning.visualization import Visualizer


class SeenHook(Hook):
    priority = 'LOWEST'

    def __init__(self) -> None:
        self.calls: list[str] = []

    def before_train_epoch(self, runner: object) -> None:
        self.calls.append('before_train_epoch')


@pytest.mark.parametrize('stage,drop', [('train', 'train_cfg'), ('val', 'val_evaluator'),
                                        ('test', 'test_dataloader')])
def test_a_stage_given_in_part_is_refused(experiment: dict, stage: str, drop: str) -> None:
    experiment.pop(drop)
    with pytest.raises(ValueError, match=f'should be either all None or not None.*{drop}'):
        Runner(**experiment)


def test_param_scheduler_without_optim_wrapper_is_refused(experiment: dict) -> None:
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        experiment.pop(key)
    experiment['param_scheduler'] = dict(type='MultiStepLR', milestones=[1])
    with pytest.raises(ValueError, match='param_scheduler should be None when optim_wrapper'):
        Runner(**experiment)


def test_properties_before_and_after_training(experiment: dict) -> None:
    experiment['param_scheduler'] = dict(type='MultiStepLR', milestones=[1])
    runner = Runner(**experiment)
    assert (runner.rank, runner.world_size, runner.distributed) == (0, 1, False)
    assert runner.launcher == 'none' and runner.deterministic is False
    assert runner.model_name == 'RunnerClassifier'
    assert runner.log_dir == runner._log_dir and runner.experiment_name == runner._experiment_name
    assert isinstance(runner.optim_wrapper, dict) and isinstance(runner.param_schedulers, dict)
    assert runner._train_dataloader['batch_size'] == 4
    assert isinstance(runner.train_dataloader, DataLoader)
    runner.train()
    assert isinstance(runner.optim_wrapper, OptimWrapper)
    assert isinstance(runner.param_schedulers[0], MultiStepLR)
    assert runner.train_dataloader is runner.datamodule.train_dataloader()


def test_registered_in_runners(experiment: dict) -> None:
    assert RUNNERS.get('Runner') is Runner
    assert isinstance(RUNNERS.build(dict(experiment, runner_type='Runner')), Runner)


def test_register_hook_orders_by_priority(experiment: dict) -> None:
    runner = Runner(**experiment)
    assert [type(h).__name__ for h in runner.hooks][:3] == ['RuntimeInfoHook', 'IterTimerHook',
                                                            'DistSamplerSeedHook']
    runner._hooks = []
    runner.register_hook(dict(type='IterTimerHook', priority='BELOW_NORMAL'))
    runner.register_hook(RuntimeInfoHook())
    runner.register_hook(dict(type='ParamSchedulerHook', priority='LOW'), priority='VERY_LOW')
    assert [type(h) for h in runner.hooks] == [RuntimeInfoHook, IterTimerHook,
                                               ParamSchedulerHook]
    assert get_priority(runner.hooks[2].priority) == Priority.VERY_LOW.value
    with pytest.raises(TypeError, match='hook should be an instance of Hook or dict'):
        runner.register_hook(['IterTimerHook'])


def test_default_and_custom_hooks(experiment: dict) -> None:
    runner = Runner(**experiment)
    runner._hooks = []
    runner.register_default_hooks(dict(timer=None))
    assert len(runner.hooks) == 5 and not any(isinstance(h, IterTimerHook) for h in runner.hooks)
    runner._hooks = []
    runner.register_hooks(custom_hooks=[SeenHook()])
    assert len(runner.hooks) == 7 and isinstance(runner.hooks[-1], SeenHook)
    info = runner.get_hooks_info()
    assert 'before_train_epoch:\n' in info and '(LOWEST      ) SeenHook' in info


def test_a_hook_registered_after_the_trainer_was_built_runs(experiment: dict) -> None:
    runner = Runner(**experiment)
    runner.build_trainer()
    hook = SeenHook()
    runner.register_hook(hook)
    runner.train()
    assert hook.calls == ['before_train_epoch'] * 2


def test_call_hook(experiment: dict) -> None:
    runner = Runner(**experiment)
    hook = SeenHook()
    runner._hooks = [hook]
    runner.call_hook('before_train_epoch')
    assert hook.calls == ['before_train_epoch']
    with pytest.raises(TypeError, match="'before_everything' is not a hook point"):
        runner.call_hook('before_everything')


def test_build_model_and_wrap_model(experiment: dict) -> None:
    experiment['data_preprocessor'] = dict(type='BaseDataPreprocessor')
    runner = Runner(**experiment)
    model = nn.Linear(1, 1)
    assert runner.build_model(model) is model
    with pytest.raises(TypeError, match='model should be a nn.Module object or dict'):
        runner.build_model('RunnerClassifier')
    synced = nn.Sequential(nn.SyncBatchNorm(2))
    assert not isinstance(runner.wrap_model(None, synced)[0], nn.SyncBatchNorm)


def test_build_optim_wrapper_and_param_scheduler(experiment: dict) -> None:
    runner = Runner(**experiment)
    wrapper = runner.build_optim_wrapper(dict(optimizer=dict(type='SGD', lr=0.1)))
    assert isinstance(wrapper, OptimWrapper) and runner.build_optim_wrapper(wrapper) is wrapper
    optimizer = torch.optim.SGD(runner.model.parameters(), lr=0.1)
    assert runner.build_optim_wrapper(dict(optimizer=optimizer)).optimizer is optimizer
    both = runner.build_optim_wrapper(dict(a=wrapper, b=OptimWrapper(optimizer)))
    assert isinstance(both, OptimWrapperDict)
    with pytest.raises(ValueError, match='each item mush be an optimizer object'):
        runner.build_optim_wrapper(dict(a=wrapper, b=dict(type='OptimWrapper')))
    with pytest.raises(TypeError, match='optimizer wrapper should be'):
        runner.build_optim_wrapper('SGD')
    with pytest.raises(RunnerOrderError, match='should be called before'):
        runner.build_param_scheduler(dict(type='MultiStepLR', milestones=[1]))
    runner.optim_wrapper = wrapper
    schedulers = runner.build_param_scheduler(dict(type='MultiStepLR', milestones=[1]))
    assert schedulers[0].end == 2  # max_epochs
    converted = runner.build_param_scheduler(
        dict(type='MultiStepLR', milestones=[1], convert_to_iter_based=True))
    assert not converted[0].by_epoch and converted[0].end == 6  # 2 epochs of 3 batches


def test_scale_lr(experiment: dict) -> None:
    runner = Runner(**experiment)
    wrapper = OptimWrapper(torch.optim.SGD(runner.model.parameters(), lr=0.1))
    runner.scale_lr(wrapper, dict(enable=False, base_batch_size=8))
    assert wrapper.optimizer.param_groups[0]['lr'] == 0.1
    runner.scale_lr(wrapper, dict(enable=True, base_batch_size=8))
    assert wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(0.05)  # 4 / 8
    with pytest.raises(AssertionError, match='has no base_batch_size'):
        runner.scale_lr(wrapper, dict(enable=True))
    assert issubclass(RunnerKeyError, KeyError)


def test_build_evaluator_log_processor_hub_visualizer_logger(experiment: dict) -> None:
    runner = Runner(**experiment)
    evaluator = runner.build_evaluator([dict(type='RunnerAccuracy')])
    assert isinstance(evaluator, Evaluator) and runner.build_evaluator(evaluator) is evaluator
    with pytest.raises(TypeError, match='evaluator should be one of'):
        runner.build_evaluator(evaluator.metrics[0])
    assert isinstance(runner.build_log_processor({}), LogProcessor)
    with pytest.raises(TypeError, match='log processor should be'):
        runner.build_log_processor('LogProcessor')
    assert runner.build_message_hub().instance_name == runner.experiment_name
    assert isinstance(runner.build_message_hub(dict(name='surface_hub')), MessageHub)
    with pytest.raises(TypeError, match='message_hub should be dict or None'):
        runner.build_message_hub('hub')
    assert runner.build_visualizer(runner.visualizer) is runner.visualizer
    assert isinstance(runner.build_visualizer(dict(name='surface_vis')), Visualizer)
    with pytest.raises(TypeError, match='visualizer should be Visualizer object'):
        runner.build_visualizer('Visualizer')
    logger = runner.build_logger(name='surface_logger')
    assert isinstance(logger, MMLogger) and logger.instance_name == 'surface_logger'


def test_dump_config_names_the_file_after_the_timestamp(experiment: dict) -> None:
    from mmlightning.config import Config

    runner = Runner.from_cfg(Config(copy.deepcopy(experiment)))
    assert Path(runner.work_dir, f'{runner.timestamp}.py').is_file()


def test_auto_scale_lr_is_applied_before_the_schedulers(experiment: dict) -> None:
    experiment['auto_scale_lr'] = dict(enable=True, base_batch_size=8)
    experiment['param_scheduler'] = dict(type='MultiStepLR', milestones=[5])
    runner = Runner(**experiment)
    runner.train()
    assert runner.optim_wrapper.optimizer.param_groups[0]['lr'] == pytest.approx(0.05)
    assert runner.param_schedulers[0].base_values == [pytest.approx(0.05)]


def test_load_checkpoint_and_resume(experiment: dict, tmp_path: Path) -> None:
    experiment['default_hooks'] = dict(checkpoint=dict(type='CheckpointHook', interval=1))
    first = Runner(**experiment)
    first.train()
    ckpt = Path(first.work_dir, 'epoch_1.ckpt')
    assert ckpt.is_file()
    experiment['work_dir'] = str(tmp_path / 'second')
    second = Runner(**experiment)
    second.load_checkpoint(str(ckpt))
    weights = {k: v for k, v in torch.load(ckpt, weights_only=False)['state_dict'].items()}
    for key, value in second.model.state_dict().items():
        assert torch.equal(value, weights[f'model.{key}'])
    with pytest.raises(ValueError, match='resume restores the whole training state'):
        second.resume(str(ckpt), resume_optimizer=False)
    experiment['train_cfg'] = dict(by_epoch=True, max_epochs=3)
    third = Runner(**experiment)
    third.resume(str(Path(first.work_dir, 'epoch_2.ckpt')))
    with pytest.raises(RuntimeError, match='save_checkpoint writes the state of a run'):
        third.save_checkpoint(str(tmp_path), 'early.ckpt')
    third.train()
    assert (third.epoch, third.iter) == (3, 9)
    path = third.save_checkpoint(str(tmp_path), 'after.ckpt')
    saved = torch.load(path, weights_only=False)
    assert saved['meta']['epoch'] == 4 and 'optimizer_states' in saved


@pytest.mark.parametrize('scheduler,error,match', [
    (dict(linear1='MultiStepLR'), AssertionError, 'Each value of `param_scheduler` should be'),
    ('MultiStepLR', TypeError, '`param_scheduler` should be a `_ParamScheduler`'),
    ([dict(milestones=[1])], KeyError, 'should contain the key type'),
])
def test_param_scheduler_shapes_are_checked(experiment: dict, scheduler: object,
                                            error: type, match: str) -> None:
    experiment['param_scheduler'] = scheduler
    with pytest.raises(error, match=match):
        Runner(**experiment)
