"""MLflowVisBackend against a stand-in ``mlflow`` module: the calls it makes, in order."""
from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock, call

import numpy as np
import pytest
import torch

from mmlightning.config import Config
from mmlightning.registry import VISBACKENDS
from mmlightning.visualization import MLflowVisBackend
from mmlightning.visualization.mlflow_backend import flatten_dict


@pytest.fixture
def mlflow(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    """A stand-in ``mlflow``: no experiment exists yet and no run is active."""
    module = MagicMock(name='mlflow')
    module.get_experiment_by_name.return_value = None
    module.active_run.return_value = None
    monkeypatch.setitem(sys.modules, 'mlflow', module)
    return module


def test_first_use_sets_up_store_experiment_and_run(tmp_path: Path, mlflow: MagicMock) -> None:
    backend = MLflowVisBackend(str(tmp_path / 'vis'), exp_name='exp', run_name='r1',
                               tags={'team': 'a'}, params={'seed': 1}, artifact_location='s3://b')
    assert mlflow.method_calls == []  # nothing happens before first use
    assert backend.experiment is mlflow
    assert (tmp_path / 'vis').is_dir()
    assert mlflow.method_calls == [
        call.set_tracking_uri(f'file://{tmp_path / "vis"}'),
        call.get_experiment_by_name('exp'),
        call.create_experiment('exp', artifact_location='s3://b'),
        call.set_experiment('exp'),
        call.active_run(),
        call.start_run(run_name='r1'),
        call.set_tags({'team': 'a'}),
        call.log_params({'seed': 1}),
    ]


def test_existing_experiment_and_active_run_are_reused(tmp_path: Path, mlflow: MagicMock) -> None:
    mlflow.get_experiment_by_name.return_value = object()
    mlflow.active_run.return_value = object()
    VISBACKENDS.build(dict(type='MLflowVisBackend', save_dir=str(tmp_path), run_name='r2',
                           tracking_uri='http://server:5000'))._init_env()
    assert mlflow.method_calls == [
        call.set_tracking_uri('http://server:5000'), call.get_experiment_by_name('Default'),
        call.set_experiment('Default'), call.active_run(), call.set_tag('mlflow.runName', 'r2')]


def test_config_is_logged_as_flat_params_and_text(tmp_path: Path, mlflow: MagicMock) -> None:
    cfg = Config(dict(lr=0.1, model=dict(depth=2), pipeline=[dict(type='Load'), dict(k=3)],
                      sizes=[1, 2]))
    MLflowVisBackend(str(tmp_path)).add_config(cfg)
    mlflow.log_params.assert_called_once_with({
        'lr': 0.1, 'model.depth': 2, 'pipeline.0.type': 'Load', 'pipeline.1.k': 3,
        'sizes': [1, 2]})
    mlflow.log_text.assert_called_once_with(cfg.pretty_text, 'config.py')


def test_tracked_config_keys(tmp_path: Path, mlflow: MagicMock) -> None:
    backend = MLflowVisBackend(str(tmp_path), tracked_config_keys=['model'])
    backend.add_config(dict(lr=0.1, model=dict(depth=2)))
    mlflow.log_params.assert_called_once_with({'model.depth': 2})
    with pytest.raises(KeyError, match=r"\['optim'\] are not in the config"):
        MLflowVisBackend(str(tmp_path), tracked_config_keys=['optim']).add_config({'lr': 1})


def test_scalars_and_images(tmp_path: Path, mlflow: MagicMock) -> None:
    backend = MLflowVisBackend(str(tmp_path))
    backend.add_scalar('loss', torch.tensor(0.5), step=3)
    backend.add_scalars({'acc': np.float32(0.25), 'lr': 0.1}, step=4)
    image = np.zeros((2, 2, 3), np.uint8)
    backend.add_image('pred.png', image)
    mlflow.log_metric.assert_called_once_with('loss', 0.5, 3)
    assert isinstance(mlflow.log_metric.call_args.args[1], float)
    mlflow.log_metrics.assert_called_once_with({'acc': 0.25, 'lr': 0.1}, 4)
    mlflow.log_image.assert_called_once_with(image, 'pred.png')
    with pytest.raises(ValueError, match='through the step parameter'):
        backend.add_scalars({'acc': 1.0, 'step': 2})


def test_close_uploads_work_dir_artifacts_and_ends_the_run(tmp_path: Path,
                                                           mlflow: MagicMock) -> None:
    MLflowVisBackend(str(tmp_path)).close()  # never used: nothing to end
    assert mlflow.method_calls == []
    work_dir = tmp_path / 'work'
    (work_dir / 'ts' / 'vis_data').mkdir(parents=True)
    for name in ('cfg.py', 'ts/ts.log', 'ts/vis_data/scalars.json', 'ts/epoch_1.pth'):
        (work_dir / name).write_text('x')
    backend = MLflowVisBackend(str(work_dir / 'ts' / 'vis_data'))
    backend.add_config(Config(dict(work_dir=str(work_dir))))
    backend.close()
    assert mlflow.log_artifact.call_args_list == [
        call(str(work_dir / 'cfg.py'), ''), call(str(work_dir / 'ts' / 'ts.log'), 'ts'),
        call(str(work_dir / 'ts' / 'vis_data' / 'scalars.json'), 'ts/vis_data')]
    mlflow.end_run.assert_called_once_with()


def test_lightning_logger_writes_to_the_same_run(tmp_path: Path, mlflow: MagicMock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from lightning.pytorch.loggers import MLFlowLogger
    from lightning.pytorch.loggers import mlflow as lightning_mlflow

    monkeypatch.setattr(lightning_mlflow, '_MLFLOW_AVAILABLE', True)
    monkeypatch.setitem(sys.modules, 'mlflow.tracking', MagicMock())
    run = MagicMock()
    run.info.run_id = 'run-7'
    mlflow.active_run.side_effect = [None, run]  # none before start_run, then the started run
    backend = MLflowVisBackend(str(tmp_path), exp_name='exp')
    logger = backend.lightning_logger
    assert isinstance(logger, MLFlowLogger) and logger is backend.lightning_logger
    assert logger._run_id == 'run-7' and logger._tracking_uri == f'file://{tmp_path}'
    mlflow.start_run.assert_called_once()


def test_missing_mlflow_says_what_to_install(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'mlflow', None)
    with pytest.raises(ImportError, match='pip install mlflow'):
        MLflowVisBackend(str(tmp_path)).add_scalar('loss', 1.0)


def test_flatten_dict() -> None:
    assert flatten_dict({'a': {'b': 1, 'c': [{'d': 2}, 3]}}) == {'a.b': 1, 'a.c.0.d': 2,
                                                                 'a.c.1': 3}


def test_lightning_logger_on_another_rank_starts_no_run(tmp_path: Path, mlflow: MagicMock,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from lightning.fabric.utilities.rank_zero import rank_zero_only
    from lightning.pytorch.loggers import mlflow as lightning_mlflow

    monkeypatch.setattr(lightning_mlflow, '_MLFLOW_AVAILABLE', True)
    monkeypatch.setitem(sys.modules, 'mlflow.tracking', MagicMock())
    monkeypatch.setattr(rank_zero_only, 'rank', 1, raising=False)
    logger = MLflowVisBackend(str(tmp_path)).lightning_logger
    assert logger._run_id is None
    assert mlflow.method_calls == []
