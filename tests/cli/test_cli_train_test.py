"""``mmlightning train``, ``test`` and ``val`` on a tiny experiment."""
from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest

from mmlightning.cli import main

#: Copied into each test's folder under a unique name and imported by the config.
MODULE = (Path(__file__).parent / 'toy_experiment.py').read_text()

CONFIG = textwrap.dedent('''
    custom_imports = dict(imports=['{module}'])
    model = dict(type='CliClassifier')
    loader = dict(batch_size=4, sampler=dict(type='DefaultSampler', shuffle=False))
    train_dataloader = dict(dataset=dict(type='CliPoints'), **loader)
    val_dataloader = dict(dataset=dict(type='CliPoints', seed=1), **loader)
    test_dataloader = dict(dataset=dict(type='CliPoints', seed=2), **loader)
    val_evaluator = dict(type='CliAccuracy')
    test_evaluator = dict(type='CliAccuracy')
    train_cfg = dict(by_epoch=True, max_epochs=2)
    val_cfg = dict()
    test_cfg = dict()
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
    default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
    randomness = dict(seed=0)
''')


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    module = f'cli_toys_{tmp_path.name.replace("-", "_")}'
    (tmp_path / f'{module}.py').write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / 'tiny.py'
    path.write_text(CONFIG.format(module=module))
    return path


def test_train_then_test_and_val(config: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    work_dir = tmp_path / 'work'
    assert main(['train', str(config), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1']) == 0
    checkpoint = work_dir / 'epoch_1.ckpt'
    assert checkpoint.is_file()
    assert (work_dir / 'last_checkpoint').read_text().strip() == str(checkpoint)
    capsys.readouterr()
    out_file = tmp_path / 'preds.pkl'
    assert main(['test', str(config), str(checkpoint), '--work-dir', str(work_dir),
                 '--out', str(out_file)]) == 0
    assert "'acc':" in capsys.readouterr().out
    assert len(pickle.loads(out_file.read_bytes())) == 12
    assert main(['val', str(config), str(checkpoint), '--work-dir', str(work_dir)]) == 0


def test_resume_continues_from_latest(config: Path, tmp_path: Path) -> None:
    work_dir = tmp_path / 'work'
    assert main(['train', str(config), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1']) == 0
    assert main(['train', str(config), '--work-dir', str(work_dir), '--resume']) == 0
    assert (work_dir / 'epoch_2.ckpt').is_file()


def test_amp_and_devices(config: Path, tmp_path: Path) -> None:
    assert main(['train', str(config), '--work-dir', str(tmp_path / 'w'), '--amp',
                 '--devices', '1', '--cfg-options', 'train_cfg.max_epochs=1']) == 0


@pytest.mark.parametrize('argv, message', [
    (['test', '{config}', 'missing.ckpt'], 'FileNotFoundError: checkpoint not found'),
    (['test', '{config}', '{config}', '--out', 'x.json'], '--out must name a .pkl file'),
    (['train', 'no_such_config.py'], 'FileNotFoundError: config file not found'),
    (['train', '{config}', '--cfg-options', 'model.type=Nope'],
     "KeyError: Nope is not in the mmlightning::model registry"),
])
def test_errors_are_one_paragraph(argv: list, message: str, config: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.format(config=config) for a in argv]
    if argv[0] == 'train':
        argv += ['--work-dir', str(tmp_path / 'w')]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and 'Traceback' not in err


def test_convert_ckpt_and_plot_logs(config: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    work_dir = tmp_path / 'work'
    assert main(['train', str(config), '--work-dir', str(work_dir),
                 '--cfg-options', 'train_cfg.max_epochs=1']) == 0
    target = tmp_path / 'converted.pth'
    assert main(['convert-ckpt', str(work_dir / 'epoch_1.ckpt'), str(target)]) == 0
    converted = torch.load(target, weights_only=False)
    assert set(converted) >= {'meta', 'state_dict', 'optimizer'}
    assert all(not key.startswith('model.') for key in converted['state_dict'])
    assert main(['plot-logs', str(work_dir)]) == 0
    png = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert png.name == 'scalars.png' and png.stat().st_size > 0
    assert main(['convert-ckpt', str(target), str(tmp_path / 'x.ckpt')]) == 0
    assert 'MMEngine .pth -> Lightning .ckpt' in capsys.readouterr().out
    assert torch.load(tmp_path / 'x.ckpt', weights_only=True)['global_step'] == 3
    assert main(['plot-logs', str(tmp_path / 'empty')]) == 2
    assert 'no vis_data/scalars.json' in capsys.readouterr().err


def test_auto_scale_lr(config: Path, tmp_path: Path) -> None:
    """``--auto-scale-lr``: lr 0.1 tuned for a batch of 2, trained with batches of 4 -> 0.2."""
    import json

    work_dir = tmp_path / 'w'
    assert main(['train', str(config), '--work-dir', str(work_dir), '--auto-scale-lr',
                 '--cfg-options', 'train_cfg.max_epochs=1',
                 'auto_scale_lr.base_batch_size=2']) == 0
    scalars = next(work_dir.glob('*/vis_data/scalars.json')).read_text().splitlines()
    assert json.loads(scalars[0])['lr'] == pytest.approx(0.2)


def test_auto_scale_lr_needs_base_batch_size(config: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['train', str(config), '--work-dir', str(tmp_path / 'w'),
                 '--auto-scale-lr']) == 2
    err = capsys.readouterr().err
    assert '--auto-scale-lr needs auto_scale_lr.base_batch_size' in err and 'tiny.py' in err
