"""``RunnerTestCase`` used the way OpenMMLab projects use it: subclass, build, train, evaluate."""
from __future__ import annotations

import copy
import logging
import os
import os.path as osp

import pytest
import torch

from mmlightning.config import Config
from mmlightning.registry import DATASETS, METRICS, MODELS, DefaultScope
from mmlightning.runner import Runner
from mmlightning.testing import RunnerTestCase
from mmlightning.testing.runner_test_case import ToyDataset, ToyMetric, ToyModel


def _parameters(runner: Runner) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in runner.model.named_parameters()}


class TestRunnerTestCase(RunnerTestCase):

    def _log_files_in_work_dir(self) -> list[logging.FileHandler]:
        handlers = logging.getLogger('mmlightning.test_teardown').handlers
        return [h for h in handlers if isinstance(h, logging.FileHandler)
                and h.baseFilename.startswith(self.temp_dir.name)]

    def test_setup(self):
        self.assertIsInstance(self.epoch_based_cfg, Config)
        self.assertIsInstance(self.iter_based_cfg, Config)
        for key in ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
            self.assertIn(key, self.dist_cfg)
        self.assertIs(MODELS.get('ToyModel'), ToyModel)
        self.assertIs(DATASETS.get('ToyDataset'), ToyDataset)
        self.assertIs(METRICS.get('ToyMetric'), ToyMetric)
        self.assertEqual(self.epoch_based_cfg.work_dir, self.temp_dir.name)
        self.assertEqual(self.iter_based_cfg.train_cfg, dict(by_epoch=False, max_iters=12))
        self.assertEqual(self.iter_based_cfg.train_dataloader.sampler.type, 'InfiniteSampler')
        # the two configs are independent copies
        self.iter_based_cfg.val_cfg.fp16 = True
        self.assertNotIn('fp16', self.epoch_based_cfg.val_cfg)

    def test_tearDown(self):
        runner = self.build_runner(self.epoch_based_cfg)
        self.assertTrue(DefaultScope.check_instance_created(runner.experiment_name))
        log_file = logging.FileHandler(osp.join(self.temp_dir.name, 'run.log'))
        logging.getLogger('mmlightning.test_teardown').addHandler(log_file)  # as MMLogger will
        self.assertTrue(self._log_files_in_work_dir())
        self.tearDown()
        self.assertEqual(DefaultScope._instance_dict, {})
        for registry, name in ((MODELS, 'ToyModel'), (DATASETS, 'ToyDataset'),
                               (METRICS, 'ToyMetric')):
            self.assertNotIn(name, registry.module_dict)
        self.assertFalse(osp.exists(self.temp_dir.name))
        self.assertFalse(self._log_files_in_work_dir())
        # tearDown should not be called twice.
        self.tearDown = super(RunnerTestCase, self).tearDown

    def test_build_runner_epoch_based(self):
        runner = self.build_runner(self.epoch_based_cfg)
        self.assertEqual(runner.work_dir, osp.abspath(self.temp_dir.name))
        self.assertEqual((runner.epoch, runner.iter), (0, 0))
        before = _parameters(runner)
        runner.train()
        # 12 samples, batch_size 3: 4 iterations per epoch, 2 epochs
        self.assertEqual(runner.epoch, 2)
        self.assertEqual(runner.iter, 8)
        self.assertEqual(runner.max_epochs, 2)
        self.assertEqual(runner.max_iters, 8)
        after = _parameters(runner)
        self.assertTrue(any(not torch.equal(before[k], after[k]) for k in before))
        self.assertEqual(runner.val(), dict(acc=1))
        self.assertEqual(runner.test(), dict(acc=1))

    def test_build_runner_iter_based(self):
        runner = self.build_runner(self.iter_based_cfg)
        runner.train()
        self.assertEqual(runner.iter, 12)
        self.assertEqual(runner.max_iters, 12)
        self.assertEqual(runner.val(), dict(acc=1))
        self.assertEqual(runner.test(), dict(acc=1))

    def test_modified_copies_of_the_configs(self):
        cfg = copy.deepcopy(self.iter_based_cfg)
        cfg.train_cfg.max_iters = 5  # stops in the middle of an epoch of 4 iterations
        runner = self.build_runner(cfg)
        runner.train()
        self.assertEqual(runner.iter, 5)

        cfg = copy.deepcopy(self.epoch_based_cfg)
        cfg.train_cfg.max_epochs = 1
        cfg.train_dataloader.batch_size = 4
        cfg.val_evaluator = dict(type='ToyMetric')  # one metric dict instead of a list
        runner = self.build_runner(cfg)
        runner.train()
        self.assertEqual((runner.epoch, runner.iter), (1, 3))
        self.assertEqual(runner.val(), dict(acc=1))

    def test_iter_based_epoch_counter_as_mmengine(self):
        # MMEngine's IterBasedTrainLoop keeps epoch at 0 and max_epochs at 1 (checked by
        # test_runner_test_case_reference.py).
        runner = self.build_runner(self.iter_based_cfg)
        runner.train()
        self.assertEqual((runner.epoch, runner.max_epochs), (0, 1))

    def test_experiment_name(self):
        runner1 = self.build_runner(self.epoch_based_cfg)
        runner2 = self.build_runner(self.epoch_based_cfg)
        self.assertNotEqual(runner1.experiment_name, runner2.experiment_name)
        self.assertTrue(runner1.experiment_name.startswith('test_experiment_name_'))
        self.assertNotEqual(self.experiment_name, self.experiment_name)

    def test_setup_dist_env(self):
        self.setup_dist_env()
        for key in ('MASTER_ADDR', 'RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_PORT'):
            self.assertEqual(os.environ[key], str(self.dist_cfg[key]))
        first_port = os.environ['MASTER_PORT']
        self.setup_dist_env()
        self.assertEqual(int(os.environ['MASTER_PORT']), int(first_port) + 1)

    def test_clear_work_dir(self):
        runner = self.build_runner(self.epoch_based_cfg)
        runner.train()
        self.assertTrue(os.listdir(self.temp_dir.name))
        self.clear_work_dir()
        self.assertEqual(os.listdir(self.temp_dir.name), [])


class TestDistEnvIsRestored(RunnerTestCase):

    def test_restored_after_teardown(self):
        before = os.environ.get('WORLD_SIZE')
        self.setup_dist_env()
        self.assertEqual(os.environ['WORLD_SIZE'], '1')
        self.tearDown()
        self.assertEqual(os.environ.get('WORLD_SIZE'), before)
        self.tearDown = super(RunnerTestCase, self).tearDown


def test_toy_components_follow_mmengine_contracts():
    model = ToyModel()
    dataset = ToyDataset()
    batch = [dataset[i] for i in range(3)]
    inputs = [sample['inputs'] for sample in batch]
    labels = [sample['data_samples'] for sample in batch]
    outputs = model(inputs, labels, mode='tensor')
    assert outputs.shape == (3, 1)
    assert torch.equal(model(inputs, mode='predict'), outputs)
    assert set(model(inputs, labels, mode='loss')) == {'loss'}
    assert len(dataset) == 12 and dataset.metainfo == {}
    metric = ToyMetric()
    metric.process(batch, outputs)
    assert metric.results == [{'acc': 1}]
    assert metric.compute_metrics(metric.results) == dict(acc=1)


def test_toy_model_rejects_unknown_modes():
    with pytest.raises(ValueError, match=r"mode='train'; use 'loss', 'predict' or 'tensor'"):
        ToyModel()(torch.zeros(1, 2), mode='train')
