"""PrepareTTAHook and build_runner_with_tta: a real test run through a TTA model."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from mmlightning.config import Config
from mmlightning.evaluator import BaseMetric
from mmlightning.hooks import PrepareTTAHook
from mmlightning.hooks.test_time_aug_hook import build_runner_with_tta
from mmlightning.model import BaseTTAModel
from mmlightning.registry import DATASETS, METRICS, MODELS, TRANSFORMS

from .conftest import LinearClassifier


class TwoViews:
    """A TTA pipeline: the sample and its negation, each key a list of two views."""

    def __call__(self, results: dict) -> dict:
        return dict(inputs=[results['inputs'], -results['inputs']],
                    data_samples=[results['data_samples']] * 2)


class ViewPoints(torch.utils.data.Dataset):
    def __init__(self, pipeline: Any = None) -> None:
        self.points = torch.randn(4, 4, generator=torch.Generator().manual_seed(0))
        self.pipeline = TRANSFORMS.build(pipeline) if isinstance(pipeline, dict) else pipeline

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        sample = dict(inputs=self.points[index], data_samples=torch.tensor(index % 2))
        return self.pipeline(sample) if self.pipeline else sample


class FirstView(BaseTTAModel):
    """Keeps the first view's prediction and counts the views it merged."""

    def merge_preds(self, data_samples_list: list) -> list:
        return [dict(pred=views[0]['pred'], views=len(views)) for views in data_samples_list]


class ViewCount(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(sample.get('views', 1) for sample in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(views=sum(results) / len(results))


@pytest.fixture(autouse=True)
def registered():
    entries = ((TRANSFORMS, TwoViews), (DATASETS, ViewPoints), (MODELS, FirstView),
               (MODELS, LinearClassifier), (METRICS, ViewCount))
    for registry, cls in entries:
        registry.register_module(module=cls, force=True)
    yield
    for registry, cls in entries:
        registry._module_dict.pop(cls.__name__, None)


def _cfg(tmp_path: Path) -> Config:
    return Config(dict(
        model=dict(type='LinearClassifier'), work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(dataset=dict(type='ViewPoints'), batch_size=2,
                             sampler=dict(type='DefaultSampler', shuffle=False)),
        test_evaluator=dict(type='ViewCount'), test_cfg=dict(),
        default_hooks=dict(checkpoint=None), trainer=dict(enable_progress_bar=False)))


def test_prepare_tta_hook_wraps_the_model_before_testing(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    cfg.test_dataloader.dataset.pipeline = dict(type='TwoViews')
    cfg.custom_hooks = [dict(type='PrepareTTAHook', tta_cfg=dict(type='FirstView'))]
    from mmlightning.runner import Runner

    runner = Runner.from_cfg(cfg)
    model = runner.model
    assert runner.test() == dict(views=2.0)
    assert isinstance(runner.model, FirstView) and runner.model.module is model


def test_build_runner_with_tta(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    cfg.tta_model = dict(type='FirstView')
    cfg.tta_pipeline = dict(type='TwoViews')
    runner = build_runner_with_tta(cfg)
    assert any(isinstance(hook, PrepareTTAHook) for hook in runner.hooks)
    assert runner.test() == dict(views=2.0)
    assert isinstance(runner.model, FirstView)


def test_build_runner_with_tta_needs_the_tta_keys(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match='please make sure tta_model is defined'):
        build_runner_with_tta(_cfg(tmp_path))
