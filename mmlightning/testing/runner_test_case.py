"""``RunnerTestCase``: a ``unittest.TestCase`` that builds small runners (``mmengine.testing``).

It registers a toy model, dataset and metric, provides an epoch-based and an
iteration-based experiment config, builds runners from them, and resets the
process-wide state a run leaves behind. OpenMMLab projects subclass it in
their own tests::

    class TestMyHook(RunnerTestCase):
        def test_train(self):
            cfg = copy.deepcopy(self.epoch_based_cfg)
            cfg.custom_hooks = [dict(type='MyHook')]
            runner = self.build_runner(cfg)
            runner.train()
"""
from __future__ import annotations

import copy
import logging
import os
import os.path as osp
import shutil
import tempfile
import time
from typing import Any, ClassVar
from unittest import TestCase
from uuid import uuid4

import torch
from torch import nn
from torch.distributed import destroy_process_group
from torch.utils.data import Dataset

from mmlightning.config import Config
from mmlightning.dist import is_distributed
from mmlightning.evaluator import BaseMetric
from mmlightning.model import BaseModel
from mmlightning.registry import DATASETS, METRICS, MODELS
from mmlightning.runner import Runner
from mmlightning.utils.manager import ManagerMixin

__all__ = ['RunnerTestCase', 'ToyDataset', 'ToyMetric', 'ToyModel']

_DIST_ENV_KEYS = ('MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK')


class ToyModel(BaseModel):
    """Two linear layers, ``2 -> 2 -> 1``; the loss is ``(data_samples - outputs).sum()``."""

    def __init__(self, data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear1 = nn.Linear(2, 2)
        self.linear2 = nn.Linear(2, 1)

    def forward(self, inputs: torch.Tensor | list[torch.Tensor],
                data_samples: torch.Tensor | list[torch.Tensor] | None = None,
                mode: str = 'tensor') -> Any:
        """Outputs for ``'tensor'``/``'predict'``, ``dict(loss=...)`` for ``'loss'``."""
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if isinstance(data_samples, list):
            data_samples = torch.stack(data_samples)
        outputs = self.linear2(self.linear1(inputs))
        if mode == 'loss':
            return dict(loss=(data_samples - outputs).sum())
        if mode in ('tensor', 'predict'):
            return outputs
        raise ValueError(f"ToyModel.forward got mode={mode!r}; use 'loss', 'predict' or 'tensor'")


class ToyDataset(Dataset):
    """12 samples ``dict(inputs=<2 random numbers>, data_samples=1.)``."""

    METAINFO: ClassVar[dict] = dict()
    data = torch.randn(12, 2)
    label = torch.ones(12)

    @property
    def metainfo(self) -> dict:
        """The dataset's meta information (empty)."""
        return self.METAINFO

    def __len__(self) -> int:
        return self.data.size(0)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return dict(inputs=self.data[index], data_samples=self.label[index])


class ToyMetric(BaseMetric):
    """Reports ``acc=1`` whatever the predictions."""

    def __init__(self, collect_device: str = 'cpu', dummy_metrics: Any = None) -> None:
        super().__init__(collect_device=collect_device)
        self.dummy_metrics = dummy_metrics

    def process(self, data_batch: Any, predictions: Any) -> None:
        """Record one result per batch."""
        self.results.append({'acc': 1})

    def compute_metrics(self, results: list) -> dict[str, Any]:
        """``dict(acc=1)``."""
        return dict(acc=1)


def _manager_subclasses(cls: type = ManagerMixin) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_manager_subclasses(sub))
    return found


class RunnerTestCase(TestCase):
    """A test case that builds runners easily.

    ``RunnerTestCase``:

    1. registers ``ToyModel``, ``ToyDataset`` and ``ToyMetric`` (``force=True``)
       in ``setUp`` and removes them in ``tearDown``;
    2. provides ``epoch_based_cfg`` (2 epochs of 4 batches, validation every
       epoch) and ``iter_based_cfg`` (12 iterations with an ``InfiniteSampler``),
       fresh :class:`~mmlightning.config.Config` objects for every test, with
       ``work_dir`` in a temporary directory;
    3. builds runners with :meth:`build_runner`, each with a unique experiment name;
    4. clears the global state a run leaves (named instances of
       ``ManagerMixin`` classes such as ``DefaultScope``, the runner's log
       files, environment variables set by :meth:`setup_dist_env`, the process
       group) in ``tearDown``.

    The configs are MMEngine's (``LoggerHook(interval=1)``; the iteration-based one
    also checkpoints every 12 iterations and logs by iteration), plus
    ``trainer=dict(enable_progress_bar=False)``, which keeps the runs quiet.
    """

    dist_cfg: ClassVar[dict[str, Any]] = dict(
        MASTER_ADDR='127.0.0.1', MASTER_PORT=29600, RANK='0', WORLD_SIZE='1', LOCAL_RANK='0')

    def setUp(self) -> None:
        self.temp_dir = tempfile.TemporaryDirectory()
        self._saved_dist_env = {key: os.environ.get(key) for key in _DIST_ENV_KEYS}
        # Registered with force=True so that another test's module of the same name is
        # replaced; removed again in tearDown.
        MODELS.register_module(module=ToyModel, force=True)
        METRICS.register_module(module=ToyMetric, force=True)
        DATASETS.register_module(module=ToyDataset, force=True)
        self.epoch_based_cfg = Config(dict(
            work_dir=self.temp_dir.name,
            model=dict(type='ToyModel'),
            train_dataloader=self._dataloader_cfg('DefaultSampler', shuffle=True),
            val_dataloader=self._dataloader_cfg('DefaultSampler', shuffle=False),
            val_evaluator=[dict(type='ToyMetric')],
            test_dataloader=self._dataloader_cfg('DefaultSampler', shuffle=False),
            test_evaluator=[dict(type='ToyMetric')],
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
            val_cfg=dict(),
            test_cfg=dict(),
            default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
            custom_hooks=[],
            env_cfg=dict(dist_cfg=dict(backend='nccl')),
            trainer=dict(enable_progress_bar=False),
            experiment_name='test1'))
        self.iter_based_cfg: Config = copy.deepcopy(self.epoch_based_cfg)
        self.iter_based_cfg.train_dataloader = self._dataloader_cfg('InfiniteSampler',
                                                                    shuffle=True)
        self.iter_based_cfg.log_processor = dict(by_epoch=False)
        self.iter_based_cfg.train_cfg = dict(by_epoch=False, max_iters=12)
        self.iter_based_cfg.default_hooks = dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=12, by_epoch=False))

    @staticmethod
    def _dataloader_cfg(sampler: str, shuffle: bool) -> dict[str, Any]:
        return dict(dataset=dict(type='ToyDataset'), sampler=dict(type=sampler, shuffle=shuffle),
                    batch_size=3, num_workers=0)

    def tearDown(self) -> None:
        self._close_log_files()
        for manager_cls in _manager_subclasses():
            manager_cls._instance_dict.clear()
        MODELS.module_dict.pop('ToyModel', None)
        METRICS.module_dict.pop('ToyMetric', None)
        DATASETS.module_dict.pop('ToyDataset', None)
        for key, value in self._saved_dist_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self.temp_dir.cleanup()
        if is_distributed():
            destroy_process_group()

    def _close_log_files(self) -> None:
        """Detach and close the log file handlers that write into the temporary work_dir."""
        root = osp.abspath(self.temp_dir.name) + os.sep
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for manager_cls in _manager_subclasses():  # named loggers such as MMEngine's MMLogger
            loggers.extend(manager_cls._instance_dict.values())
        for logger in loggers:
            if not isinstance(logger, logging.Logger):
                continue
            for handler in list(logger.handlers):
                if isinstance(handler, logging.FileHandler) and \
                        osp.abspath(handler.baseFilename).startswith(root):
                    logger.removeHandler(handler)
                    handler.close()

    def build_runner(self, cfg: Config) -> Runner:
        """Build a runner from ``cfg`` (given a unique ``experiment_name`` first).

        Args:
            cfg: An experiment config, usually a (modified) copy of
                ``epoch_based_cfg`` or ``iter_based_cfg``.

        Returns:
            ``Runner.from_cfg(cfg)``.
        """
        cfg.experiment_name = self.experiment_name
        return Runner.from_cfg(cfg)

    @property
    def experiment_name(self) -> str:
        """A new unique name on every access: test name, time and a uuid.

        Runners built in the same second would share a timestamp, hence the uuid.
        """
        return f'{self._testMethodName}_{time.time()}_{uuid4()}'

    def setup_dist_env(self) -> None:
        """Set the environment variables of a one-process distributed run, on a fresh port.

        The port grows by one on every call (across test cases); the variables
        are restored in ``tearDown``.
        """
        self.dist_cfg['MASTER_PORT'] += 1
        for key in _DIST_ENV_KEYS:
            os.environ[key] = str(self.dist_cfg[key])

    def clear_work_dir(self) -> None:
        """Delete everything in the temporary work_dir (log files are closed first)."""
        self._close_log_files()
        for filename in os.listdir(self.temp_dir.name):
            path = osp.join(self.temp_dir.name, filename)
            if osp.isdir(path) and not osp.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
