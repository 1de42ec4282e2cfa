"""A ``work_dir`` or a checkpoint ``out_dir`` on an fsspec URL (``memory://`` here)."""
from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
import torch

from mmlightning.runner import Runner
from mmlightning.runner.work_dir import WorkDir, is_url


@pytest.fixture
def memory_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh ``memory://`` folder (removed after), and the log mirrors under ``tmp_path``."""
    monkeypatch.setenv('MMLIGHTNING_HOME', str(tmp_path / 'home'))
    name = f'runs-{uuid.uuid4().hex[:8]}'
    yield f'memory://{name}'
    memory = fsspec.filesystem('memory')
    if memory.exists(f'/{name}'):
        memory.rm(f'/{name}', recursive=True)


def _files(url: str) -> list[str]:
    memory, root = fsspec.filesystem('memory'), url.removeprefix('memory:/')
    return sorted(path.removeprefix(root + '/') for path in memory.find(root))


def _weights(runner: Runner) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in runner.model.state_dict().items()}


def test_work_dir_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('MMLIGHTNING_HOME', str(tmp_path / 'home'))
    assert is_url('s3://bucket/exp') and not is_url('file:///tmp/x') and not is_url('rel/dir')
    local = WorkDir('file://' + str(tmp_path / 'w'))
    assert (local.path, local.local, local.remote) == (str(tmp_path / 'w'),) * 2 + (False,)
    assert local.upload(str(tmp_path)) == []
    remote = WorkDir('s3://bucket/../exp/')
    assert remote.path == 's3://bucket/../exp' and remote.remote
    assert remote.local == str(tmp_path / 'home' / 'work_dirs' / 's3' / 'bucket' / 'exp')


def test_url_work_dir_holds_checkpoints_and_logs_and_resumes(
        experiment: dict, memory_root: str, tmp_path: Path) -> None:
    url = f'{memory_root}/exp'
    first = Runner(**{**copy.deepcopy(experiment), 'work_dir': url})
    first.train()
    assert first.work_dir == url
    assert first.log_dir.startswith(str(tmp_path / 'home' / 'work_dirs' / 'memory'))
    stamp = first.timestamp
    assert _files(url) == sorted([
        'epoch_1.ckpt', 'epoch_2.ckpt', 'last_checkpoint', f'{stamp}/{stamp}.log',
        f'{stamp}/vis_data/scalars.json',
        f'{stamp}/vis_data/scalars.png', f'{stamp}/vis_data/{stamp}.json'])
    memory = fsspec.filesystem('memory')
    assert memory.cat_file(f'{url}/last_checkpoint').decode() == f'{url}/epoch_2.ckpt'
    log_text = memory.cat_file(f'{url}/{stamp}/{stamp}.log').decode()
    assert f'Checkpoints will be saved to {url}.' in log_text

    three_epochs = dict(by_epoch=True, max_epochs=3)
    resumed = Runner(**{**copy.deepcopy(experiment), 'work_dir': url, 'resume': True,
                        'train_cfg': three_epochs})
    resumed.train()
    assert (resumed.epoch, resumed.iter) == (3, 9) and 'epoch_3.ckpt' in _files(url)
    uninterrupted = Runner(**{**copy.deepcopy(experiment), 'work_dir': str(tmp_path / 'local'),
                              'train_cfg': three_epochs})
    uninterrupted.train()
    for key, value in _weights(uninterrupted).items():
        assert torch.equal(_weights(resumed)[key], value), key

    evaluated = Runner(**{**copy.deepcopy(experiment), 'work_dir': str(tmp_path / 'eval'),
                          'load_from': f'{url}/epoch_3.ckpt'})
    assert evaluated.test() == uninterrupted.test()


def test_checkpoint_out_dir_url_with_a_local_work_dir(experiment: dict, memory_root: str,
                                                      tmp_path: Path) -> None:
    experiment['default_hooks'] = dict(checkpoint=dict(
        type='CheckpointHook', interval=1, out_dir=memory_root, max_keep_ckpts=1,
        save_best='acc', rule='greater', published_keys=['meta', 'state_dict']))
    runner = Runner(**copy.deepcopy(experiment))
    runner.train()
    out_dir = f'{memory_root}/work'  # out_dir/<basename of work_dir>, as in MMEngine
    files = _files(out_dir)
    assert 'epoch_1.ckpt' not in files and 'epoch_2.ckpt' in files  # max_keep_ckpts=1
    assert [name for name in files if name.startswith('best_acc_')]
    published = [name for name in files if name.endswith('.pth')]
    assert len(published) == 2 and not [name for name in files if name.endswith('.tmp')]
    last = Path(runner.work_dir, 'last_checkpoint').read_text()
    assert last == f'{out_dir}/epoch_2.ckpt'

    resumed = Runner(**{**copy.deepcopy(experiment), 'resume': True,
                        'train_cfg': dict(by_epoch=True, max_epochs=3)})
    resumed.train()
    assert resumed.iter == 9 and 'epoch_3.ckpt' in _files(out_dir)
    assert 'epoch_2.ckpt' not in _files(out_dir)


def test_logs_reach_the_url_while_the_run_goes_on(experiment: dict, memory_root: str) -> None:
    """At the first epoch's checkpoint the URL already holds the log up to that point."""
    import lightning

    url = f'{memory_root}/exp'
    seen: dict[str, str] = {}

    class Probe(lightning.pytorch.Callback):
        def on_train_epoch_start(self, trainer, pl_module) -> None:
            if trainer.current_epoch == 1:
                stamp = runner.timestamp
                seen['files'] = ' '.join(_files(url))
                seen['log'] = fsspec.filesystem('memory').cat_file(
                    f'{url}/{stamp}/{stamp}.log').decode()

    experiment['trainer'] = dict(experiment['trainer'], callbacks=[Probe()])
    runner = Runner(**{**experiment, 'work_dir': url})
    runner.train()
    assert 'epoch_1.ckpt' in seen['files'] and 'vis_data/scalars.json' in seen['files']
    assert 'Epoch(train) [1][3/3]' in seen['log'] and 'Epoch(train) [2]' not in seen['log']


def test_uploader_sends_changed_files_and_waits_between_uploads(
        tmp_path: Path, memory_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mmlightning.runner.log_upload import LogUploader

    work_dir = WorkDir(f'{memory_root}/exp')
    log_dir = Path(work_dir.local, 'stamp')
    log_dir.mkdir(parents=True)
    (log_dir / 'a.log').write_text('one')
    now = [0.0]
    uploader = LogUploader(work_dir, str(log_dir), every_seconds=10, clock=lambda: now[0])
    trainer = type('Trainer', (), {'is_global_zero': True})()
    uploader.on_train_batch_end(trainer)
    assert _files(work_dir.path) == []  # not yet: 0 s passed
    now[0] = 10.0
    uploader.on_train_batch_end(trainer)
    assert _files(work_dir.path) == ['stamp/a.log']
    assert work_dir.upload(str(log_dir)) == []  # unchanged files are not sent again
    (log_dir / 'a.log').write_text('one two')
    assert work_dir.upload(str(log_dir)) == [f'{work_dir.path}/stamp/a.log']
