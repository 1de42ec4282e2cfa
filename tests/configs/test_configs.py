"""Every config under ``configs/`` loads, and every experiment config runs a few iterations."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmlightning.config import Config
from mmlightning.runner import Runner

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'
ALL_CONFIGS = sorted(CONFIG_ROOT.rglob('*.py'))
EXPERIMENTS = [path for path in ALL_CONFIGS if '_base_' not in path.parts]
TRAINER = dict(limit_train_batches=2, limit_val_batches=1, limit_test_batches=1,
               enable_progress_bar=False)


def _name(path: Path) -> str:
    return str(path.relative_to(CONFIG_ROOT))


def test_configs_are_found() -> None:
    assert len(EXPERIMENTS) >= 3 and len(ALL_CONFIGS) > len(EXPERIMENTS)


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_name)
def test_config_loads(path: Path) -> None:
    cfg = Config.fromfile(path)
    assert len(cfg) > 0
    if path in EXPERIMENTS:
        assert cfg.work_dir == f'./work_dirs/{path.stem}'
        assert cfg.default_scope == 'mmlightning' and 'model' in cfg and 'train_cfg' in cfg


def _shorten(cfg: Config) -> None:
    train_cfg = dict(cfg.train_cfg)
    if train_cfg.get('type') == 'IterBasedTrainLoop':
        train_cfg.update(max_iters=2, val_interval=2)
    else:
        train_cfg.update(max_epochs=1, val_interval=1)
    cfg.train_cfg = train_cfg
    cfg.trainer = dict(cfg.get('trainer') or {}, **TRAINER)


@pytest.mark.parametrize('path', EXPERIMENTS, ids=_name)
def test_experiment_runs(path: Path, tmp_path: Path) -> None:
    cfg = Config.fromfile(path)
    _shorten(cfg)
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    if cfg.optim_wrapper.get('type') == 'AmpOptimWrapper':
        assert runner.trainer.precision == 'bf16-mixed'
    assert (tmp_path / 'last_checkpoint').is_file()
    if cfg.get('val_evaluator'):
        assert runner.module.last_val_metrics
    if cfg.get('test_dataloader'):
        metrics = runner.test()
        assert metrics and all(value >= 0 for value in metrics.values())
