"""Runner: MMEngine's constructor and from_cfg, train/val/test, work_dir layout."""
from __future__ import annotations

import os
import os.path as osp
from pathlib import Path

import pytest
import torch

from mmlightning.config import Config
from mmlightning.registry import DefaultScope
from mmlightning.runner import Runner


def test_from_cfg_trains_validates_and_tests(experiment: dict) -> None:
    cfg = Config(experiment)
    runner = Runner.from_cfg(cfg)
    assert (runner.epoch, runner.iter, runner.max_epochs) == (0, 0, 2)
    runner.train()
    assert (runner.epoch, runner.iter, runner.max_iters) == (2, 6, 6)
    assert set(runner.val()) == {'acc'}
    assert 0.0 <= runner.test()['acc'] <= 1.0
    assert runner.cfg == cfg and runner.cfg is not cfg
    assert runner.trainer.max_epochs == 2 and runner.datamodule.train_dataset is not None
    assert DefaultScope.get_current_instance().scope_name == 'mmlightning'


def test_work_dir_layout(experiment: dict, tmp_path: Path) -> None:
    cfg_file = tmp_path / 'exp_cfg.py'
    Config(experiment).dump(cfg_file)
    runner = Runner.from_cfg(Config.fromfile(cfg_file))
    runner.train()
    assert runner.log_dir == osp.join(runner.work_dir, runner.timestamp)
    files = sorted(os.listdir(runner.log_dir))
    assert files == sorted([f'{runner.timestamp}.log', 'vis_data'])
    assert Path(runner.log_dir, 'vis_data', 'config.py').is_file()
    log_text = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    assert 'Environment:' in log_text and 'PyTorch' in log_text and 'seed: 0' in log_text
    dumped = Config.fromfile(Path(runner.work_dir, 'exp_cfg.py'))  # MMEngine's dump_config
    assert dumped.train_cfg == experiment['train_cfg']
    assert runner.experiment_name.startswith('exp_cfg_')


def test_model_instance_and_dataset_instances(experiment: dict) -> None:
    from mmlightning.registry import DATASETS, MODELS

    experiment['model'] = MODELS.build(dict(type='RunnerClassifier', hidden=3))
    experiment['train_dataloader']['dataset'] = DATASETS.build(dict(type='RunnerPoints', size=8))
    runner = Runner(**experiment)
    runner.train()
    assert runner.model is experiment['model'] and runner.iter == 4


def test_same_seed_same_result(experiment: dict, tmp_path: Path) -> None:
    weights = []
    for name in ('a', 'b'):
        experiment['work_dir'] = str(tmp_path / name)
        runner = Runner(**experiment)
        runner.train()
        weights.append(runner.model.state_dict())
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key])


def test_iteration_based(experiment: dict) -> None:
    experiment['train_cfg'] = dict(type='IterBasedTrainLoop', max_iters=5, val_interval=2)
    experiment['train_dataloader']['sampler'] = dict(type='InfiniteSampler', shuffle=True)
    runner = Runner(**experiment)
    runner.train()
    assert (runner.iter, runner.epoch, runner.max_epochs, runner.max_iters) == (5, 0, 1, 5)


def test_load_from_lightning_checkpoint(experiment: dict, tmp_path: Path) -> None:
    runner = Runner(**experiment)
    runner.train()
    path = tmp_path / 'trained.ckpt'
    runner.trainer.save_checkpoint(path)
    experiment['work_dir'] = str(tmp_path / 'eval')
    evaluation = Runner(load_from=str(path), **experiment)
    assert evaluation.test() == runner.test()
    for ours, trained in zip(evaluation.model.state_dict().values(),
                             runner.model.state_dict().values()):
        assert torch.equal(ours, trained)


def test_resume_true_without_checkpoint_starts_fresh(experiment: dict, caplog) -> None:
    runner = Runner(resume=True, **experiment)
    runner.train()
    assert runner.iter == 6 and 'training from scratch' in caplog.text


def test_missing_keys_and_default_hooks(experiment: dict) -> None:
    with pytest.raises(KeyError, match="the config has no 'work_dir'"):
        Runner.from_cfg({k: v for k, v in experiment.items() if k != 'work_dir'})
    runner = Runner(default_hooks=dict(timer=None, checkpoint=None), **experiment)
    assert [type(h).__name__ for h in runner.hooks] == ['RuntimeInfoHook', 'DistSamplerSeedHook',
                                                        'LoggerHook', 'ParamSchedulerHook']
    with pytest.raises(KeyError, match="VisualizationHook is not in the mmlightning::hook "
                                       "registry"):
        Runner(default_hooks=dict(visualization=dict(type='VisualizationHook')), **experiment)


def test_custom_hooks_with_priority(experiment: dict) -> None:
    from mmlightning.hooks import Hook
    from mmlightning.registry import HOOKS

    calls = []

    @HOOKS.register_module(force=True)
    class RecordEpochs(Hook):
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def after_train_epoch(self, runner) -> None:
            calls.append((self.tag, runner.epoch, runner.iter))

    runner = Runner(custom_hooks=[dict(type='RecordEpochs', tag='late', priority='LOWEST'),
                                  dict(type='RecordEpochs', tag='early', priority=5)],
                    **experiment)
    assert [getattr(h, 'tag', None) for h in runner.hooks][-1] == 'late'
    runner.train()
    assert calls == [('early', 0, 3), ('late', 0, 3), ('early', 1, 6), ('late', 1, 6)]
    with pytest.raises(KeyError, match="NoSuchHook is not in the mmlightning::hook registry"):
        Runner(custom_hooks=[dict(type='NoSuchHook')], **experiment)


def test_trainer_passthrough(experiment: dict) -> None:
    experiment['trainer'] = dict(enable_progress_bar=False, max_epochs=1, limit_train_batches=1)
    runner = Runner(**experiment)
    runner.train()
    assert runner.iter == 1


def test_visualizer_backends_become_lightning_loggers(experiment: dict) -> None:
    from lightning.pytorch.loggers import TensorBoardLogger

    runner = Runner(visualizer=dict(type='Visualizer', vis_backends=[
        dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]), **experiment)
    assert [type(lg) for lg in runner.trainer.loggers] == [TensorBoardLogger]
    runner.train()
    events = list(Path(runner.log_dir, 'vis_data').rglob('events.out.tfevents*'))
    assert events, 'TensorBoard wrote no event file'
    assert runner.message_hub is runner.module.optim_wrapper.message_hub
