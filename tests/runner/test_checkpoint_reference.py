"""Checkpoints exchanged with MMEngine itself (skipped without mmengine)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn

from mmlightning.model.checkpoint import allow_checkpoint_globals
from mmlightning.runner import Runner, convert_lightning_to_mmengine, load_checkpoint

mmengine = pytest.importorskip('mmengine')
mme_logging = pytest.importorskip('mmengine.logging')
mme_model = pytest.importorskip('mmengine.model')
mme_runner = pytest.importorskip('mmengine.runner')


class _Points(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.full((2,), float(index)))


def _mmengine_runner(work_dir: Path, model: nn.Module, **kwargs) -> mme_runner.Runner:
    return mme_runner.Runner(
        model=model, work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Points(), batch_size=2,
                              collate_fn=dict(type='pseudo_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=kwargs.pop('max_epochs', 1)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1]),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)), **kwargs)


class _Linear(mme_model.BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.fc(torch.stack(inputs))
        return dict(loss=out.square().mean()) if mode == 'loss' else out


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path: Path) -> None:
    torch.manual_seed(0)
    runner = _mmengine_runner(tmp_path / 'mme', _Linear())
    runner.train()
    path = tmp_path / 'mme' / 'epoch_1.pth'
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path, weights_only=True)  # what MMEngine 0.10.7 does on torch >= 2.6
    model = _Linear()
    checkpoint = load_checkpoint(model, str(path), map_location='cpu', strict=True,
                                 logger='silent')
    assert torch.equal(model.fc.weight, runner.model.fc.weight)
    buffers = checkpoint['message_hub']['log_scalars']
    assert isinstance(buffers['train/loss'], mme_logging.HistoryBuffer)
    assert buffers['train/loss'].mean() == runner.message_hub.get_scalar('train/loss').mean()
    assert checkpoint['param_schedulers'][0]['milestones'] == {1: 1}


def test_converted_checkpoint_resumes_in_mmengine(experiment: dict, tmp_path: Path) -> None:
    experiment['optim_wrapper'] = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    experiment['param_scheduler'] = dict(type='MultiStepLR', milestones=[1], by_epoch=True)
    runner = Runner(**experiment)
    runner.train()
    out = convert_lightning_to_mmengine(str(Path(experiment['work_dir']) / 'epoch_2.ckpt'),
                                        str(tmp_path / 'converted.pth'))
    model = copy.deepcopy(runner.model)
    for param in model.parameters():
        nn.init.zeros_(param)
    with allow_checkpoint_globals():  # MMEngine 0.10.7 cannot pass weights_only=False
        mme_runner.load_checkpoint(model, out, strict=True)
        for ours, theirs in zip(model.state_dict().values(), runner.model.state_dict().values()):
            assert torch.equal(ours, theirs)
        resumed = _mmengine_runner(tmp_path / 'resumed', copy.deepcopy(model), max_epochs=3)
        resumed.resume(out)
    assert (resumed.train_loop.epoch, resumed.train_loop.iter) == (2, 6)
    saved = torch.load(out, weights_only=False)
    optimizer = resumed.optim_wrapper.optimizer.state_dict()
    for state, expected in zip(optimizer['state'].values(), saved['optimizer']['state'].values()):
        assert torch.equal(state['momentum_buffer'], expected['momentum_buffer'])
    assert resumed.param_schedulers[0].last_step == saved['param_schedulers'][0]['last_step']
    ckpt = torch.load(Path(experiment['work_dir']) / 'epoch_2.ckpt', weights_only=True)
    ours, theirs = ckpt['message_hub']['log_scalars'], resumed.message_hub.log_scalars
    assert 'train/loss' in theirs and sorted(theirs) == sorted(ours)  # none skipped
    for key, saved in ours.items():
        assert isinstance(theirs[key], mme_logging.HistoryBuffer)
        assert theirs[key].data[0].tolist() == saved['log_history'].tolist(), key


def test_load_from_an_mmengine_checkpoint(experiment: dict, tmp_path: Path) -> None:
    """An MMEngine-trained ``.pth`` (message_hub included) is a ``load_from`` for our Runner."""
    from mmlightning.registry import DATASETS, MODELS

    torch.manual_seed(0)
    dataset = DATASETS.build(dict(type='RunnerPoints'))
    mme = mme_runner.Runner(
        model=MODELS.build(dict(type='RunnerClassifier')), work_dir=str(tmp_path / 'mme'),
        train_dataloader=dict(dataset=dataset, batch_size=4,
                              collate_fn=dict(type='pseudo_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)))
    mme.train()
    ours = Runner(load_from=str(tmp_path / 'mme' / 'epoch_1.pth'), **experiment)
    ours.test()
    for key, value in mme.model.state_dict().items():
        assert torch.equal(ours.model.state_dict()[key], value), key
