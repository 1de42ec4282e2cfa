"""WandbVisBackend offline, with no account or network: the run directory and what it holds."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from lightning.pytorch.loggers import WandbLogger

from mmlightning.visualization import Visualizer, WandbVisBackend


@pytest.fixture
def offline_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """W&B offline and silent, all its files under tmp_path (also the cwd, for log_code)."""
    for var, value in (('WANDB_MODE', 'offline'), ('WANDB_SILENT', 'true'),
                       ('WANDB_DIR', str(tmp_path)), ('WANDB_CONFIG_DIR', str(tmp_path / 'cfg')),
                       ('WANDB_CACHE_DIR', str(tmp_path / 'cache')),
                       ('WANDB_DATA_DIR', str(tmp_path / 'data'))):
        monkeypatch.setenv(var, value)
    monkeypatch.delenv('WANDB_API_KEY', raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'train.py').write_text('print("code artifact")\n')
    return tmp_path


def test_offline_run_directory_has_scalars_image_and_config(
        offline_wandb: Path, read_wandb_run: Callable[[Path], dict[str, list]]) -> None:
    vis = Visualizer(vis_backends=[dict(type='WandbVisBackend',
                                        init_kwargs=dict(project='mmlightning-tests'),
                                        define_metric_cfg={'acc': 'max'})],
                     save_dir=str(offline_wandb / 'work'))
    backend = vis.get_backend('WandbVisBackend')
    assert isinstance(backend.lightning_logger, WandbLogger)
    vis.add_config({'lr': 0.01, 'model': {'depth': 2}})
    vis.add_scalars({'loss': 0.5, 'acc': 0.25}, step=1)
    vis.add_scalar('loss', 0.375, step=2)
    vis.add_image('pred', np.full((4, 6, 3), 200, dtype=np.uint8))
    assert backend.experiment.run is backend.lightning_logger.experiment
    vis.close()

    runs = list((offline_wandb / 'work' / 'vis_data' / 'wandb').glob('offline-run-*'))
    assert len(runs) == 1
    run_files = list(runs[0].glob('run-*.wandb'))
    assert run_files and (runs[0] / 'files').is_dir()
    content = read_wandb_run(run_files[0])
    rows = [row for row in content['history'] if 'loss' in row or 'pred/_type' in row]
    assert [(json.loads(r['loss']), json.loads(r.get('acc', 'null'))) for r in rows[:2]] == [
        (0.5, 0.25), (0.375, None)]
    assert json.loads(rows[2]['pred/_type']) == 'image-file'
    assert (json.loads(rows[2]['pred/width']), json.loads(rows[2]['pred/height'])) == (6, 4)
    config = dict(content['config'])
    assert json.loads(config['lr']) == 0.01
    assert json.loads(config['model']) == {'depth': 2}
    assert list((runs[0] / 'files' / 'media' / 'images').glob('pred_*.png'))
    acc = [metric for metric in content['metric'] if metric.name == 'acc']
    assert acc and acc[0].summary.max  # define_metric_cfg={'acc': 'max'}


def test_bad_define_metric_cfg() -> None:
    with pytest.raises(TypeError, match='define_metric_cfg should be a dict'):
        WandbVisBackend('dir', define_metric_cfg='acc')


def test_lightning_logger_on_another_rank_starts_no_run(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from lightning.fabric.utilities.rank_zero import rank_zero_only

    monkeypatch.setattr(rank_zero_only, 'rank', 1, raising=False)
    backend = WandbVisBackend(str(tmp_path), init_kwargs=dict(mode='offline'))
    logger = backend.lightning_logger
    assert isinstance(logger, WandbLogger) and logger._experiment is None
    assert not backend._env_initialized  # wandb.init runs on rank 0 only
