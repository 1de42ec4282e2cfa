"""DVCLiveVisBackend against a stand-in ``dvclive`` module: the ``Live`` calls."""
from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock, call

import numpy as np
import pytest
import torch

from mmlightning.config import Config
from mmlightning.registry import VISBACKENDS
from mmlightning.visualization import DVCLiveVisBackend


@pytest.fixture
def dvclive(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    module = MagicMock(name='dvclive')
    monkeypatch.setitem(sys.modules, 'dvclive', module)
    return module


def test_live_gets_save_dir_and_defaults(tmp_path: Path, dvclive: MagicMock) -> None:
    backend = VISBACKENDS.build(dict(type='DVCLiveVisBackend', save_dir=str(tmp_path),
                                     init_kwargs=dict(cache_images=False)))
    assert backend.experiment is dvclive.Live.return_value
    dvclive.Live.assert_called_once_with(cache_images=False, dir=str(tmp_path),
                                         save_dvc_exp=True)


def test_params_metrics_and_images(tmp_path: Path, dvclive: MagicMock) -> None:
    live = dvclive.Live.return_value
    backend = DVCLiveVisBackend(str(tmp_path))
    backend.add_config(Config(dict(lr=np.float32(0.5), shape=(2, 3),
                                   mean=torch.tensor([1.0, 2.0]))))
    live.log_params.assert_called_once_with({'lr': 0.5, 'shape': [2, 3], 'mean': [1.0, 2.0]})
    backend.add_scalars({'loss': torch.tensor(0.5), 'acc': 0.25}, step=3)
    assert live.step == 3
    assert live.log_metric.call_args_list == [call('loss', 0.5), call('acc', 0.25)]
    image = np.zeros((2, 2, 3), np.uint8)
    backend.add_image('pred', image)
    live.log_image.assert_called_once_with('pred.png', image)
    with pytest.raises(AssertionError, match='uint8'):
        backend.add_image('pred', image.astype(np.float32))


def test_close_logs_artifacts_and_ends(tmp_path: Path, dvclive: MagicMock) -> None:
    DVCLiveVisBackend(str(tmp_path)).close()
    dvclive.Live.assert_not_called()
    (tmp_path / 'sub').mkdir()
    for name in ('config.py', 'sub/scalars.json', 'model.pth'):
        (tmp_path / name).write_text('x')
    backend = DVCLiveVisBackend(str(tmp_path))
    backend.add_scalar('loss', 1.0)
    backend.close()
    live = dvclive.Live.return_value
    assert live.log_artifact.call_args_list == [call(str(tmp_path / 'config.py')),
                                                call(str(tmp_path / 'sub' / 'scalars.json'))]
    live.end.assert_called_once_with()


def test_missing_dvclive_says_what_to_install(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'dvclive', None)
    with pytest.raises(ImportError, match='pip install dvclive'):
        DVCLiveVisBackend(str(tmp_path)).add_scalar('loss', 1.0)
