"""GaussianMixtureCoverage: high-quality samples and covered modes of generated points."""
from __future__ import annotations

import pytest
import torch

from mmlightning.evaluator import GaussianMixtureCoverage

CENTERS = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]


def _evaluate(metric: GaussianMixtureCoverage, points: list[list[float]]) -> dict:
    metric.process({}, [dict(fake=torch.tensor(p)) for p in points])
    return metric.evaluate(len(points))


def test_counts_quality_and_modes_from_dataset_meta() -> None:
    metric = GaussianMixtureCoverage(min_count=2)
    metric.dataset_meta = dict(centers=CENTERS, std=0.5)
    # within 1.5 of a centre: three near (0, 0), two near (10, 0); (5, 5) is far from all
    points = [[0.1, 0.0], [1.4, 0.0], [0.0, -1.0], [10.0, 1.0], [9.0, 0.0], [5.0, 5.0],
              [0.0, 8.4], [0.0, 10.2]]
    result = _evaluate(metric, points)
    assert result == {'gmm/high_quality': pytest.approx(100 * 6 / 8), 'gmm/modes': 2}


def test_arguments_override_meta_and_num_std() -> None:
    metric = GaussianMixtureCoverage(centers=CENTERS, std=1.0, num_std=1.0, prefix='gan')
    metric.dataset_meta = dict(centers=[[100.0, 100.0]], std=50.0)
    result = _evaluate(metric, [[0.5, 0.0], [0.0, 8.5], [10.0, 0.0]])
    assert result == {'gan/high_quality': pytest.approx(200 / 3), 'gan/modes': 2}


def test_errors() -> None:
    with pytest.raises(ValueError, match="pass centers= and std=, or evaluate a dataset"):
        _evaluate(GaussianMixtureCoverage(), [[0.0, 0.0]])
    with pytest.raises(ValueError, match='generated points have dimension 3 but the centres 2'):
        _evaluate(GaussianMixtureCoverage(centers=CENTERS, std=1.0), [[0.0, 0.0, 0.0]])
    metric = GaussianMixtureCoverage(fake_key='sample', centers=CENTERS, std=1.0)
    with pytest.raises(KeyError, match="has no 'sample'"):
        metric.process({}, [dict(fake=torch.zeros(2))])
