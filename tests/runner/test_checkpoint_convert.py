"""convert_lightning_to_mmengine on a checkpoint written by the Runner."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mmlightning.model.checkpoint import torch_load
from mmlightning.registry import MODELS
from mmlightning.runner import Runner, convert_lightning_to_mmengine, load_checkpoint
from mmlightning.runner.checkpoint_convert import lightning_to_mmengine, save_atomic


@pytest.fixture
def trained(experiment: dict, tmp_path: Path) -> tuple[Runner, Path]:
    """A 2-epoch run with momentum and a scheduler; its last CheckpointHook file."""
    experiment['optim_wrapper'] = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    experiment['param_scheduler'] = dict(type='MultiStepLR', milestones=[1], by_epoch=True)
    runner = Runner(**experiment)
    runner.train()
    return runner, Path(experiment['work_dir']) / 'epoch_2.ckpt'


def test_convert_runner_checkpoint(trained: tuple[Runner, Path], tmp_path: Path) -> None:
    runner, ckpt = trained
    out = convert_lightning_to_mmengine(str(ckpt), str(tmp_path / 'out' / 'epoch_2.pth'))
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['epoch_2.pth']
    source = torch_load(ckpt)
    converted = torch_load(out)
    assert converted['meta']['epoch'] == 2 and converted['meta']['iter'] == 6
    model_state = runner.model.state_dict()
    assert list(converted['state_dict']) == list(model_state)
    for key, value in model_state.items():
        assert torch.equal(converted['state_dict'][key], value), key
    optimizer = converted['optimizer']
    assert optimizer['param_groups'] == source['optimizer_states'][0]['param_groups']
    assert all('momentum_buffer' in state for state in optimizer['state'].values())
    assert converted['param_schedulers'] == source['mmlightning']['param_schedulers']
    assert converted['param_schedulers'][0]['milestones'] == {1: 1}
    assert set(converted['message_hub']) == {'log_scalars', 'runtime_info', 'resumed_keys'}
    # and it loads back as weights
    fresh = MODELS.build(dict(type='RunnerClassifier'))
    load_checkpoint(fresh, out, strict=True, logger='silent')
    assert torch.equal(fresh.net[0].weight, runner.model.net[0].weight)


def _lightning(n_optimizers: int, schedulers: object = None) -> dict:
    return {'state_dict': {'model.w': torch.zeros(1)}, 'epoch': 3, 'global_step': 9,
            'optimizer_states': [dict(state={}, param_groups=[dict(lr=i)])
                                 for i in range(n_optimizers)],
            'mmlightning': dict(iter=8, param_schedulers=schedulers),
            'pytorch-lightning_version': '2.6.6'}


def test_several_optimizers_by_name() -> None:
    named = lightning_to_mmengine(_lightning(2, dict(gen=[], disc=[])))
    assert list(named['optimizer']) == ['gen', 'disc']
    assert named['optimizer']['disc']['param_groups'] == [dict(lr=1)]
    assert named['meta'] == dict(epoch=3, iter=8)
    explicit = lightning_to_mmengine(_lightning(2), optimizer_names=['a', 'b'])
    assert list(explicit['optimizer']) == ['a', 'b'] and 'param_schedulers' not in explicit


def test_conversion_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match='2 optimizers but their names are not stored'):
        lightning_to_mmengine(_lightning(2))
    with pytest.raises(ValueError, match=r"optimizer_names=\['a'\] names 1 optimizers"):
        lightning_to_mmengine(_lightning(2), optimizer_names=['a'])
    with pytest.raises(ValueError, match='no state_dict among the keys'):
        lightning_to_mmengine({'state_dic': {}})


def test_save_atomic_leaves_no_partial_file(tmp_path: Path) -> None:
    with pytest.raises(Exception, match='lambda'):
        save_atomic({'bad': lambda: 0}, str(tmp_path / 'x.pth'))
    assert list(tmp_path.iterdir()) == []
