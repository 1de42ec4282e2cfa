"""MMLightningCLI: LightningCLI's ``fit``/``--print_config`` given an MM config path."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest.importorskip('jsonargparse')

from mmlightning.lightning.lightning_cli import MMConfigModule, MMLightningCLI  # noqa: E402

TOYS = textwrap.dedent('''
    import torch
    from torch import nn

    from mmlightning.evaluator import BaseMetric
    from mmlightning.model import BaseModel
    from mmlightning.registry import DATASETS, METRICS, MODELS


    @DATASETS.register_module(force=True)
    class CliPairs(torch.utils.data.Dataset):
        def __init__(self, size=16, seed=0):
            generator = torch.Generator().manual_seed(seed)
            self.points = torch.randn(size, 4, generator=generator)
            self.labels = (self.points.sum(1) > 0).long()

        def __len__(self):
            return len(self.points)

        def __getitem__(self, index):
            return dict(inputs=self.points[index], data_samples=self.labels[index])


    @MODELS.register_module(force=True)
    class CliLinear(BaseModel):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 2)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            logits = self.linear(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


    @METRICS.register_module(force=True)
    class CliHits(BaseMetric):
        def process(self, data_batch, data_samples):
            self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

        def compute_metrics(self, results):
            return dict(hits=sum(results) / len(results))
''')

CONFIG = textwrap.dedent('''
    custom_imports = dict(imports=['{module}'])
    model = dict(type='CliLinear')
    train_dataloader = dict(dataset=dict(type='CliPairs'), batch_size=4,
                            sampler=dict(type='DefaultSampler', shuffle=True))
    val_dataloader = dict(dataset=dict(type='CliPairs', seed=1), batch_size=4,
                          sampler=dict(type='DefaultSampler', shuffle=False))
    val_evaluator = dict(type='CliHits')
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
    assert cli.datamodule.seed == 7 and 'hits' in cli.model.last_val_metrics


def test_cfg_options_reach_model_and_data(config: Path, tmp_path: Path):
    cli = _cli(config, tmp_path, '--model.cfg_options',
               '{"train_cfg.max_epochs": 1, "train_dataloader.batch_size": 8}')
    assert cli.trainer.current_epoch == 1 and cli.model.iter == 2


def test_print_config_shows_the_mm_config(config: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        MMLightningCLI(args=['fit', '--model.config', str(config), '--print_config'])
    printed = capsys.readouterr().out
    assert f'config: {config}' in printed and 'use_distributed_sampler: false' in printed
