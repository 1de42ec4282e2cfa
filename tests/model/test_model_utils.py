import logging

import pytest
import torch
import torch.fx
from torch import nn

from mmlightning.model import (
    convert_sync_batchnorm,
    detect_anomalous_params,
    is_model_wrapper,
    merge_dict,
    revert_sync_batchnorm,
    stack_batch,
)
from mmlightning.model import utils as model_utils
from mmlightning.registry import MODEL_WRAPPERS, Registry


def test_stack_batch_pads_right_bottom():
    a = torch.ones(2, 3, 5)
    b = torch.full((2, 4, 2), 2.0)
    out = stack_batch([a, b], pad_size_divisor=4, pad_value=-1)
    assert out.shape == (2, 2, 4, 8)
    torch.testing.assert_close(out[0, :, :3, :5], a)
    assert torch.all(out[0, :, 3:] == -1) and torch.all(out[0, :, :, 5:] == -1)
    torch.testing.assert_close(out[1, :, :4, :2], b)
    assert torch.all(out[1, :, :, 2:] == -1)


def test_stack_batch_same_shape_and_1d():
    same = [torch.ones(3, 4), torch.zeros(3, 4)]
    torch.testing.assert_close(stack_batch(same), torch.stack(same))
    out = stack_batch([torch.ones(2, 3), torch.ones(2, 1)], pad_size_divisor=2)
    assert out.shape == (2, 2, 4) and out[1, :, 1:].sum() == 0


@pytest.mark.parametrize('tensors, error, match', [
    ((torch.ones(1),), TypeError, 'expects a list of tensors, got tuple'),
    ([], ValueError, 'empty list'),
    ([torch.ones(1, 2), torch.ones(1, 2, 3)], ValueError, r'same number of dimensions.*\[2, 3\]'),
])
def test_stack_batch_errors(tensors, error, match):
    with pytest.raises(error, match=match):
        stack_batch(tensors)


def test_merge_dict_and_fx_tracing():
    assert merge_dict(dict(a=1, b=2), dict(b=3)) == dict(a=1, b=3)
    with pytest.raises(TypeError, match='must be dicts, got list'):
        merge_dict(dict(a=1), [1])

    class Heads(nn.Module):
        def forward(self, x):
            # fx patches the defining module's global while tracing (as in MMEngine).
            return model_utils.merge_dict(dict(loss_a=x.sum()), dict(loss_b=x.mean()))

    graph = torch.fx.symbolic_trace(Heads())
    assert [node.op for node in graph.graph.nodes].count('call_function') == 1
    assert any(node.target is merge_dict for node in graph.graph.nodes)
    out = graph(torch.ones(2))
    assert out['loss_a'].item() == 2 and out['loss_b'].item() == 1


def test_detect_anomalous_params(caplog):
    model = nn.ModuleDict(dict(used=nn.Linear(2, 1), unused=nn.Linear(2, 1)))
    model['unused'].bias.requires_grad_(False)
    loss = model['used'](torch.ones(1, 2)).sum()
    with caplog.at_level(logging.ERROR, logger='mmlightning'):
        detect_anomalous_params(loss, model)
    assert 'unused.weight with shape torch.Size([1, 2]) is not in the computational graph' \
        in caplog.text
    assert 'used.weight' not in caplog.text.replace('unused.weight', '')
    assert 'unused.bias' not in caplog.text


def test_sync_batchnorm_round_trip():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(2)))
    model[1].running_mean.fill_(0.5)
    model.eval()
    synced = convert_sync_batchnorm(model)
    assert isinstance(synced[1], nn.SyncBatchNorm) and isinstance(synced[2][0], nn.SyncBatchNorm)
    assert synced[1].weight is model[1].weight
    torch.testing.assert_close(synced[1].running_mean, torch.full((4,), 0.5))
    reverted = revert_sync_batchnorm(synced)
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in reverted.modules())
    assert isinstance(reverted[1], nn.modules.batchnorm._BatchNorm)
    reverted[1].eval()
    x = torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(reverted[1](x), nn.functional.batch_norm(
        x, reverted[1].running_mean, reverted[1].running_var, reverted[1].weight,
        reverted[1].bias, False, 0.0, reverted[1].eps))
    reverted[2][0].eval()
    assert reverted[2][0](torch.randn(3, 2)).shape == (3, 2)  # no dimension check


def test_revert_top_level_sync_bn_keeps_training_flag():
    sync = nn.SyncBatchNorm(3)
    sync.eval()
    reverted = revert_sync_batchnorm(sync)
    assert not isinstance(reverted, nn.SyncBatchNorm) and reverted.training is False


def test_revert_logs_when_add_module_fails(caplog):
    class Stubborn(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.SyncBatchNorm(2)

        def add_module(self, name, module):
            raise RuntimeError('no')

    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        revert_sync_batchnorm(Stubborn())
    assert 'from SyncBN to BN!' in caplog.text


def test_convert_sync_batchnorm_bad_implementation():
    with pytest.raises(ValueError, match="'torch' or 'mmcv', got 'apex'"):
        convert_sync_batchnorm(nn.BatchNorm1d(2), implementation='apex')


def test_convert_to_mmcv_sync_batchnorm_needs_a_process_group():
    with pytest.raises(RuntimeError, match='only supported on distributed training'):
        convert_sync_batchnorm(nn.Sequential(nn.BatchNorm1d(2)), implementation='mmcv')
    assert convert_sync_batchnorm(nn.Linear(1, 1), implementation='mmcv')  # no BN: nothing built


def _convert_to_mmcv(rank, workdir):
    try:
        return type(convert_sync_batchnorm(nn.BatchNorm1d(2), implementation='mmcv')).__module__
    except ModuleNotFoundError as error:
        return str(error)


def test_convert_to_mmcv_sync_batchnorm_in_a_process_group(run_two_ranks):
    pytest.importorskip('mmcv')
    result = run_two_ranks(_convert_to_mmcv)[0]
    # mmcv's class with its compiled ops; a clear error with mmcv-lite
    assert result.startswith('mmcv.ops') or "mmcv-lite has none: use implementation='torch'" \
        in result


def test_is_model_wrapper():
    model = nn.Linear(1, 1)
    assert is_model_wrapper(nn.DataParallel(model))
    assert not is_model_wrapper(model)

    class MyWrapper(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

    child = Registry('model_wrapper', parent=MODEL_WRAPPERS, scope='wrapper_test_scope')
    assert not is_model_wrapper(MyWrapper(model))
    child.register_module(module=MyWrapper)
    try:
        assert is_model_wrapper(MyWrapper(model))
    finally:
        MODEL_WRAPPERS.children.pop('wrapper_test_scope')
