import logging
from collections import OrderedDict

import pytest
import torch
from torch import nn

from mmlightning.model import PretrainedInit, initialize
from mmlightning.model.weight_init import load_state_dict


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        self.head = nn.Linear(3, 1)


def _filled(value):
    net = Net()
    for tensor in net.state_dict().values():
        if tensor.dtype.is_floating_point:
            tensor.fill_(value)
    return net


def test_loads_state_dict_nested_and_strips_module_prefix(tmp_path):
    source = _filled(2.0)
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in source.state_dict().items()},
                'meta': {'epoch': 3}}, path)
    target = Net()
    PretrainedInit(checkpoint=str(path))(target)
    for key, value in target.state_dict().items():
        torch.testing.assert_close(value, source.state_dict()[key])


def test_loads_flat_checkpoint_via_initialize(tmp_path):
    path = tmp_path / 'flat.pth'
    torch.save(_filled(3.0).state_dict(), path)
    target = Net()
    initialize(target, dict(type='Pretrained', checkpoint=str(path)))
    assert torch.all(target.head.weight == 3.0)


def test_prefix_loads_sub_module(tmp_path):
    path = tmp_path / 'full.pth'
    torch.save({'state_dict': _filled(4.0).state_dict()}, path)
    backbone = Net().backbone
    PretrainedInit(checkpoint=str(path), prefix='backbone')(backbone)
    assert torch.all(backbone[0].weight == 4.0) and torch.all(backbone[1].running_var == 4.0)


def test_unknown_prefix_raises(tmp_path):
    path = tmp_path / 'full.pth'
    torch.save(Net().state_dict(), path)
    with pytest.raises(ValueError, match=r"type='Pretrained'.*neck\. is not in the pretrained "
                                         r"model.*\['backbone\.', 'head\.'\]"):
        PretrainedInit(checkpoint=str(path), prefix='neck.')(Net())


def test_missing_file_raises_naming_init_cfg(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r"type='Pretrained', checkpoint='.*nope\.pth'.*can not be found"):
        PretrainedInit(checkpoint=str(tmp_path / 'nope.pth'))(Net())


def test_reads_urls_through_the_checkpoint_loader():
    """A ``memory://`` URL goes through CheckpointLoader's fsspec scheme, like http(s)."""
    import fsspec

    with fsspec.open('memory://pretrained/r.pth', 'wb') as f:
        torch.save({'state_dict': _filled(6.0).state_dict()}, f)
    target = Net()
    initialize(target, dict(type='Pretrained', checkpoint='memory://pretrained/r.pth'))
    assert torch.all(target.head.weight == 6.0)
    backbone = Net().backbone
    PretrainedInit(checkpoint='memory://pretrained/r.pth', prefix='backbone.')(backbone)
    assert torch.all(backbone[0].weight == 6.0)
    fsspec.filesystem('memory').rm('memory://pretrained', recursive=True)


def test_arbitrary_objects_are_refused(tmp_path):
    import pickle

    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': Net}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        PretrainedInit(checkpoint=str(path))(Net())


def test_lightning_checkpoint_loses_the_module_prefix(tmp_path):
    path = tmp_path / 'last.ckpt'
    torch.save({'pytorch-lightning_version': '2.6.0',
                'state_dict': {f'model.{k}': v for k, v in _filled(7.0).state_dict().items()}},
               path)
    target = Net()
    PretrainedInit(checkpoint=str(path))(target)
    assert torch.all(target.head.weight == 7.0)


def test_non_dict_checkpoint_raises(tmp_path):
    path = tmp_path / 'tensor.pth'
    torch.save(torch.zeros(2), path)
    with pytest.raises(RuntimeError, match='No state_dict found in checkpoint file.*Tensor'):
        PretrainedInit(checkpoint=str(path))(Net())


def test_mismatches_are_warned_not_raised(tmp_path, caplog):
    state = _filled(5.0).state_dict()
    state['head.weight'] = torch.zeros(7, 7)  # wrong shape: skipped with a warning
    state['extra.weight'] = torch.zeros(1)
    del state['backbone.0.bias']
    del state['backbone.1.num_batches_tracked']  # not reported as missing
    path = tmp_path / 'partial.pth'
    torch.save(state, path)
    target = Net()
    head_before = target.head.weight.clone()
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        PretrainedInit(checkpoint=str(path))(target)
    assert torch.all(target.backbone[0].weight == 5.0)
    torch.testing.assert_close(target.head.weight, head_before)
    text = caplog.text
    assert 'do not match exactly' in text and 'size mismatch for head.weight' in text
    assert 'unexpected key in source state_dict: extra.weight' in text
    assert 'missing keys in source state_dict: backbone.0.bias' in text
    assert 'num_batches_tracked' not in text


def test_load_state_dict_unwraps_model_wrappers():
    inner = nn.Linear(2, 2)
    wrapped = nn.Sequential(nn.DataParallel(inner))
    load_state_dict(wrapped, OrderedDict([('0.weight', torch.ones(2, 2)),
                                          ('0.bias', torch.zeros(2))]))
    assert torch.all(inner.weight == 1)


def test_post_hooks_run():
    seen = []
    layer = nn.Linear(1, 1)
    layer.register_load_state_dict_post_hook(lambda module, keys: seen.append(keys))
    load_state_dict(layer, {'weight': torch.ones(1, 1)})
    assert seen and seen[0].missing_keys == ['bias']
