"""Config -> Trainer keyword arguments."""
from __future__ import annotations

import pytest
import torch

from mmlightning.lightning.trainer_args import MMENGINE_DEFAULTS, precision_of, trainer_kwargs


def test_defaults_for_mmengine_semantics() -> None:
    kwargs = trainer_kwargs(dict(train_cfg=dict(by_epoch=True, max_epochs=3)))
    assert kwargs['num_sanity_val_steps'] == 0 and kwargs['use_distributed_sampler'] is False
    assert kwargs['max_epochs'] == 3 and kwargs['max_steps'] == -1 and kwargs['devices'] == 1
    assert 'precision' not in kwargs


def test_iteration_based_is_unbounded_for_lightning() -> None:
    kwargs = trainer_kwargs(dict(train_cfg=dict(type='IterBasedTrainLoop', max_iters=50)))
    assert kwargs['max_epochs'] == -1 and kwargs['max_steps'] == -1


@pytest.mark.parametrize('wrapper, precision', [
    (dict(type='OptimWrapper'), None),
    (dict(type='AmpOptimWrapper'), '16-mixed'),
    (dict(type='AmpOptimWrapper', dtype='float16'), '16-mixed'),
    (dict(type='AmpOptimWrapper', dtype='bfloat16'), 'bf16-mixed'),
    (dict(type='AmpOptimWrapper', dtype=torch.bfloat16), 'bf16-mixed'),
    (dict(gen=dict(type='AmpOptimWrapper', optimizer=dict(type='SGD')),
          disc=dict(type='AmpOptimWrapper', optimizer=dict(type='SGD'))), '16-mixed'),
])
def test_precision_from_optim_wrapper(wrapper: dict, precision: str | None) -> None:
    assert precision_of(wrapper) == precision


def test_precision_errors() -> None:
    with pytest.raises(ValueError, match="optim_wrapper.dtype='int8' has no Lightning precision"):
        precision_of(dict(type='AmpOptimWrapper', dtype='int8'))
    with pytest.raises(ValueError, match='ask for different precisions'):
        precision_of(dict(g=dict(type='AmpOptimWrapper', optimizer={}),
                          d=dict(type='OptimWrapper', optimizer={})))


def test_launcher_env_randomness_work_dir_sync_bn(tmp_path) -> None:
    kwargs = trainer_kwargs(dict(launcher='pytorch', env_cfg=dict(cudnn_benchmark=True,
                                                                  dist_cfg=dict(backend='gloo')),
                                 randomness=dict(seed=1, deterministic=True),
                                 work_dir=str(tmp_path), sync_bn='torch'))
    assert kwargs['strategy'].process_group_backend == 'gloo'
    assert kwargs['benchmark'] and kwargs['deterministic'] and kwargs['sync_batchnorm']
    assert kwargs['default_root_dir'] == str(tmp_path) and kwargs['devices'] == 'auto'
    with pytest.raises(ValueError, match="launcher='lsf' is not one of"):
        trainer_kwargs(dict(launcher='lsf'))
    with pytest.raises(ValueError, match="sync_bn='mmcv': only 'torch'"):
        trainer_kwargs(dict(sync_bn='mmcv'))


def test_nccl_without_cuda_becomes_gloo(monkeypatch, caplog) -> None:
    """OpenMMLab configs say nccl; a CPU machine runs their processes on gloo."""
    import torch

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    kwargs = trainer_kwargs(dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert kwargs['strategy'].process_group_backend == 'gloo'
    assert "backend='nccl' needs CUDA" in caplog.text
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    kwargs = trainer_kwargs(dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert kwargs['strategy'].process_group_backend == 'nccl'


def test_ddp_arguments_as_mmengine_wraps_the_model() -> None:
    """MMEngine's wrap_model: broadcast_buffers=False, find_unused_parameters from the config."""
    strategy = trainer_kwargs(dict(launcher='pytorch', find_unused_parameters=True))['strategy']
    assert strategy._ddp_kwargs == dict(broadcast_buffers=False, find_unused_parameters=True)
    wrapper = dict(type='MMDistributedDataParallel', find_unused_parameters=True,
                   static_graph=False)
    strategy = trainer_kwargs(dict(launcher='pytorch', model_wrapper_cfg=wrapper))['strategy']
    assert strategy._ddp_kwargs == dict(find_unused_parameters=True, static_graph=False)
    with pytest.raises(ValueError, match="does not take: \\['detect_anomalous_params'\\]"):
        trainer_kwargs(dict(launcher='pytorch', model_wrapper_cfg=dict(
            detect_anomalous_params=True)))
    with pytest.raises(ValueError, match="model_wrapper_cfg.type='MMFullyShardedDataParallel'"):
        trainer_kwargs(dict(launcher='pytorch', model_wrapper_cfg=dict(
            type='MMFullyShardedDataParallel')))


def test_trainer_passthrough_wins() -> None:
    kwargs = trainer_kwargs(dict(train_cfg=dict(max_epochs=3),
                                 trainer=dict(max_epochs=1, strategy='fsdp', num_nodes=2,
                                              logger=True)))
    assert kwargs['max_epochs'] == 1 and kwargs['strategy'] == 'fsdp' and kwargs['num_nodes'] == 2
    assert kwargs['logger'] is True and not MMENGINE_DEFAULTS['logger']


def test_progress_bar_only_when_someone_watches(monkeypatch) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, 'isatty', lambda: False, raising=False)
    assert trainer_kwargs({})['enable_progress_bar'] is False
    monkeypatch.setattr(sys.stdout, 'isatty', lambda: True, raising=False)
    assert trainer_kwargs({})['enable_progress_bar'] is True
    assert trainer_kwargs(dict(trainer=dict(enable_progress_bar=False)))[
        'enable_progress_bar'] is False
