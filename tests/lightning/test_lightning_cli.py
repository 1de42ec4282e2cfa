"""MMLightningCLI: LightningCLI's ``fit``/``--print_config`` given an MM config path."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest.importorskip('jsonargparse')

from mmlightning.lightning.lightning_cli import MMConfigModule, MMLightningCLI  # noqa: E402

#: The toys of the CLI tests (CliPoints, CliClassifier, CliAccuracy), imported by the config.
TOYS = (Path(__file__).parents[1] / 'cli' / 'toy_experiment.py').read_text()

CONFIG = textwrap.dedent('''
    custom_imports = dict(imports=['{module}'])
    model = dict(type='CliClassifier')
    train_dataloader = dict(dataset=dict(type='CliPoints', size=16), batch_size=4,
                            sampler=dict(type='DefaultSampler', shuffle=True))
    val_dataloader = dict(dataset=dict(type='CliPoints', seed=1), batch_size=4,
                          sampler=dict(type='DefaultSampler', shuffle=False))
    val_evaluator = dict(type='CliAccuracy')
    train_cfg = dict(by_epoch=True, max_epochs=2)
    val_cfg = dict()
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
    randomness = dict(seed=7)
''')


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    module = f'lightning_cli_toys_{tmp_path.name.replace("-", "_")}'
    (tmp_path / f'{module}.py').write_text(TOYS)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / 'toy.py'
    path.write_text(CONFIG.format(module=module))
    return path


def _cli(config: Path, tmp_path: Path, *extra: str) -> MMLightningCLI:
    return MMLightningCLI(args=['fit', '--model.config', str(config),
                                '--trainer.default_root_dir', str(tmp_path / 'root'),
                                '--trainer.logger', 'false', '--trainer.enable_progress_bar',
                                'false', '--trainer.enable_model_summary', 'false', *extra])


def test_fit_trains_the_config_with_its_length_seed_and_data(config: Path, tmp_path: Path):
    cli = _cli(config, tmp_path)
    assert isinstance(cli.model, MMConfigModule)
    assert cli.trainer.current_epoch == 2 and cli.model.iter == 8  # train_cfg: 2 epochs of 4
    assert cli.config['fit']['seed_everything'] == 7                # randomness.seed
    assert cli.datamodule.seed == 7 and 'acc' in cli.model.last_val_metrics


def test_cfg_options_reach_model_and_data(config: Path, tmp_path: Path):
    cli = _cli(config, tmp_path, '--model.cfg_options',
               '{"train_cfg.max_epochs": 1, "train_dataloader.batch_size": 8}')
    assert cli.trainer.current_epoch == 1 and cli.model.iter == 2


def test_print_config_shows_the_mm_config(config: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        MMLightningCLI(args=['fit', '--model.config', str(config), '--print_config'])
    printed = capsys.readouterr().out
    assert f'config: {config}' in printed and 'use_distributed_sampler: false' in printed
