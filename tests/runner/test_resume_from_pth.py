"""``Runner(resume=...)`` from an MMEngine-layout ``.pth`` (our ``.ckpt`` converted to it).

The setup of ``test_resume_exact.py`` (AdamW, warm-up then cosine) with a model without
dropout: MMEngine saves no RNG states, so only a run that draws no random numbers can end
bitwise where the uninterrupted one does. Resuming the ``.pth`` must end exactly where
resuming the original ``.ckpt`` and the uninterrupted run end, and the converted
checkpoint must hold what the original did (loop state, sampler position).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlightning.cli import main
from mmlightning.model.checkpoint import torch_load
from mmlightning.runner import Runner, convert_lightning_to_mmengine
from mmlightning.runner.checkpoint_convert import save_atomic
from mmlightning.runner.checkpoint_import import mmengine_to_lightning

sys.path.insert(0, str(Path(__file__).parent))  # the tests import with --import-mode=importlib
from test_resume_exact import experiment, weights  # noqa: E402


def deterministic(work_dir: Path, by_epoch: bool, sampler: str = 'DefaultSampler',
                  **extra: Any) -> dict:
    cfg = {**experiment(work_dir, by_epoch, **extra), 'model': dict(type='RunnerClassifier')}
    cfg['train_dataloader']['sampler'] = dict(type=sampler, shuffle=True)
    return cfg


@pytest.mark.parametrize('by_epoch, name, sampler', [
    (False, 'iter_6', 'DefaultSampler'), (False, 'iter_6', 'InfiniteSampler'),
    (True, 'epoch_2', 'DefaultSampler')],
    ids=['iteration-based, mid-epoch', 'iteration-based, InfiniteSampler',
         'epoch-based, epoch boundary'])
def test_pth_resume_ends_where_ckpt_resume_ends(by_epoch: bool, name: str, sampler: str,
                                                tmp_path: Path) -> None:
    uninterrupted = Runner(**deterministic(tmp_path / 'full', by_epoch, sampler))
    uninterrupted.train()
    ckpt = tmp_path / 'full' / f'{name}.ckpt'
    pth = convert_lightning_to_mmengine(str(ckpt), str(tmp_path / f'{name}.pth'))
    from_ckpt = Runner(**deterministic(tmp_path / 'ckpt', by_epoch, sampler, resume=str(ckpt)))
    from_ckpt.train()
    from_pth = Runner(**deterministic(tmp_path / 'pth', by_epoch, sampler, resume=pth))
    from_pth.train()
    converted = tmp_path / 'pth' / f'resume_from_{name}.ckpt'
    log = Path(from_pth.log_dir, f'{from_pth.timestamp}.log').read_text()
    assert f'converted to the Lightning checkpoint {converted}' in log
    expected = weights(uninterrupted)
    for runner in (from_ckpt, from_pth):
        assert runner.iter == uninterrupted.iter
        assert runner.module.optim_wrapper.get_lr() == uninterrupted.module.optim_wrapper.get_lr()
        for key, value in weights(runner).items():
            assert torch.equal(value, expected[key]), key
    original, ours = torch_load(ckpt), torch_load(converted)
    assert ours['mmlightning']['iter'] == original['mmlightning']['iter']
    assert ours['checkpoint_hook'] == original['checkpoint_hook']
    if not by_epoch:  # mid-epoch: the very loop state and sampler position Lightning saved
        assert ours['loops'] == original['loops']
        assert ours['MMDataModule'] == original['MMDataModule']


def test_resume_true_follows_last_checkpoint_to_a_pth(tmp_path: Path) -> None:
    """MMEngine's ``last_checkpoint`` names its ``.pth``: ``resume=True`` takes it too."""
    uninterrupted = Runner(**deterministic(tmp_path / 'full', True))
    uninterrupted.train()
    work_dir = tmp_path / 'mmengine_work_dir'
    pth = convert_lightning_to_mmengine(str(tmp_path / 'full' / 'epoch_2.ckpt'),
                                        str(work_dir / 'epoch_2.pth'))
    (work_dir / 'last_checkpoint').write_text(pth)
    resumed = Runner(**deterministic(work_dir, True, resume=True))
    resumed.train()
    assert (work_dir / 'resume_from_epoch_2.ckpt').is_file()
    assert resumed.iter == uninterrupted.iter == 12
    for key, value in weights(uninterrupted).items():
        assert torch.equal(weights(resumed)[key], value), key


def _pth(**changes: Any) -> dict:
    checkpoint = dict(meta=dict(epoch=1, iter=3), state_dict={'net.0.weight': torch.zeros(1)},
                      optimizer=dict(state={}, param_groups=[dict(lr=0.1, params=[0])]),
                      message_hub=None)
    checkpoint.update(changes)
    return {key: value for key, value in checkpoint.items() if value is not ...}


@pytest.mark.parametrize('changes, message', [
    (dict(meta=...), r"has no 'meta' \(it holds weights only\).*pass load_from="),
    (dict(meta=dict(epoch=1)), r"meta lacks \['iter'\].*Use load_from"),
    (dict(optimizer=...), r"has no 'optimizer' state \(saved with save_optimizer=False\?\).*"
                          'Use load_from'),
    (dict(optimizer=dict(gen=dict(state={}, param_groups=[]), disc=dict(state={},
                                                                        param_groups=[]))),
     r"holds the state of 2 optimizers \['gen', 'disc'\], the optim_wrapper config builds "
     'one optimizer'),
    (dict(param_schedulers=[dict(last_step=1)]),
     r'holds 1 parameter scheduler state\(s\), the param_scheduler config builds 2'),
], ids=['weights only', 'no iter', 'no optimizer', 'two optimizers', 'one scheduler'])
def test_unresumable_pth_names_file_key_and_fix(changes: dict, message: str,
                                                tmp_path: Path) -> None:
    path = str(tmp_path / 'mmengine.pth')
    save_atomic(_pth(**changes), path)
    runner = Runner(**deterministic(tmp_path / 'work', False, resume=path))
    with pytest.raises(ValueError, match=message) as error:
        runner.train()
    assert path in str(error.value)


def test_plain_state_dict_is_not_resumable(tmp_path: Path) -> None:
    path = str(tmp_path / 'weights.pth')
    save_atomic({'net.0.weight': torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="has no 'meta'.*load_from="):
        Runner(**deterministic(tmp_path / 'work', True, resume=path)).train()


def test_convert_ckpt_cli_both_directions(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    Runner(**deterministic(tmp_path / 'full', True)).train()
    ckpt = tmp_path / 'full' / 'epoch_2.ckpt'
    pth, back = tmp_path / 'out' / 'exported', tmp_path / 'out' / 'imported.ckpt'
    assert main(['convert-ckpt', str(ckpt), str(pth)]) == 0  # by content, not by extension
    assert 'Lightning .ckpt -> MMEngine .pth' in capsys.readouterr().out
    assert main(['convert-ckpt', str(pth), str(back)]) == 0
    assert 'MMEngine .pth -> Lightning .ckpt' in capsys.readouterr().out
    original, converted = torch_load(ckpt), torch_load(back)
    assert converted['pytorch-lightning_version'] and converted['global_step'] == 8
    assert converted['mmlightning']['param_schedulers'] == \
        original['mmlightning']['param_schedulers']
    for key, value in original['state_dict'].items():
        assert torch.equal(converted['state_dict'][key], value), key
    resumed = Runner(**deterministic(tmp_path / 'resumed', True, resume=str(back)))
    resumed.train()
    assert resumed.iter == 12
    save_atomic({'w': torch.zeros(1)}, str(tmp_path / 'weights.pth'))
    assert main(['convert-ckpt', str(tmp_path / 'weights.pth'), str(tmp_path / 'x.ckpt')]) == 2
    assert "has no 'meta'" in capsys.readouterr().err


def test_several_optimizers_amp_scaler_and_numpy_info() -> None:
    """Optimizers in the config's order, the AmpOptimWrapper scaler to Lightning's precision
    plugin, numpy values (MMEngine's metrics) as Python numbers."""
    import numpy as np

    def wrapper(lr: float) -> dict:
        return dict(state={}, param_groups=[dict(lr=lr, params=[0])],
                    loss_scaler=dict(scale=2.0 ** 16 * lr))

    hub = dict(log_scalars={}, runtime_info=dict(best_score=np.float64(0.5), eta=np.float32(1)),
               resumed_keys=dict(best_score=True, eta=True))
    converted = mmengine_to_lightning(
        _pth(optimizer=dict(disc=wrapper(1.0), gen=wrapper(2.0)), message_hub=hub,
             meta=dict(epoch=1, iter=3, seed=np.int64(7))),
        optimizer_names=['gen', 'disc'])
    assert [state['param_groups'][0]['lr'] for state in converted['optimizer_states']] == [2, 1]
    assert all('loss_scaler' not in state for state in converted['optimizer_states'])
    assert converted['MixedPrecision'] == dict(scale=2.0 ** 17)
    assert converted['checkpoint_hook'] == dict(best_score=0.5)
    assert type(converted['message_hub']['runtime_info']['eta']) is float
    assert type(converted['meta']['seed']) is int
    with pytest.raises(ValueError, match=r"holds the optimizers \['disc', 'gen'\], the config "
                                         r"builds \['gen'\]"):
        mmengine_to_lightning(_pth(optimizer=dict(disc=wrapper(1.0), gen=wrapper(2.0))),
                              optimizer_names=['gen'])
