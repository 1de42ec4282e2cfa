import logging

import pytest
import torch
from torch import nn

from mmlightning.model import BaseModule, ModuleDict, ModuleList, Sequential


class Leaf(BaseModule):
    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv1d(2, 2, 1)


class Custom(nn.Module):
    """A plain module with a user-defined init_weights."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def init_weights(self):
        nn.init.constant_(self.fc.weight, 11.0)


class Top(BaseModule):
    def __init__(self, init_cfg=None, leaf_cfg=None):
        super().__init__(init_cfg)
        self.leaf = Leaf(leaf_cfg)
        self.fc = nn.Linear(2, 2)
        self.custom = Custom()


def test_init_cfg_is_deep_copied():
    cfg = dict(type='Constant', val=1, layer='Linear')
    module = Leaf(cfg)
    cfg['val'] = 2
    assert module.init_cfg['val'] == 1


def test_child_init_cfg_wins_and_custom_init_weights_run():
    model = Top(init_cfg=dict(type='Constant', val=1, bias=0, layer=['Conv1d', 'Linear']),
                leaf_cfg=dict(type='Constant', val=2, layer='Conv1d'))
    model.init_weights()
    assert torch.all(model.fc.weight == 1)
    assert torch.all(model.leaf.conv.weight == 2)  # child's own init_cfg runs after the parent's
    assert torch.all(model.custom.fc.weight == 11)
    assert model.is_init and model.leaf.is_init
    assert not any(hasattr(m, '_params_init_info') for m in model.modules())


def test_init_weights_runs_once(caplog):
    model = Leaf(dict(type='Constant', val=1, layer='Conv1d'))
    model.init_weights()
    nn.init.constant_(model.conv.weight, 5.0)
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        model.init_weights()
    assert torch.all(model.conv.weight == 5)
    assert 'init_weights of Leaf has been called more than once.' in caplog.text
    model.is_init = False
    model.init_weights()
    assert torch.all(model.conv.weight == 1)


def test_pretrained_is_applied_last(tmp_path):
    source = Leaf()
    nn.init.constant_(source.conv.weight, 7.0)
    path = tmp_path / 'leaf.pth'
    torch.save(source.state_dict(), path)
    model = Leaf([dict(type='Pretrained', checkpoint=str(path)),
                  dict(type='Constant', val=1, layer='Conv1d')])
    model.init_weights()
    assert torch.all(model.conv.weight == 7)


def test_init_info_logged_per_parameter(caplog):
    """Without a log file (the current MMLogger has none) the table is logged."""
    import uuid

    from mmlightning.logging import MMLogger

    MMLogger.get_instance(f'no-log-file-{uuid.uuid4().hex}')
    model = Top(init_cfg=dict(type='Constant', val=3, layer='Linear'))
    with caplog.at_level(logging.INFO, logger='mmlightning'):
        model.init_weights()
    text = caplog.text
    assert 'fc.weight - torch.Size([2, 2]): \nConstantInit: val=3, bias=0' in text
    assert 'custom.fc.weight - torch.Size([2, 2]): \nInitialized by user-defined ' \
           '`init_weights` in Custom' in text
    assert 'leaf.conv.weight' in text


def test_init_info_goes_to_the_log_file_only(tmp_path, capsys):
    """As MMEngine: the current MMLogger has a log file, so the table goes there, not to stdout."""
    from mmlightning.logging import MMLogger

    run_logger = MMLogger.get_instance(f'init-info-{tmp_path.name}',
                                       log_file=str(tmp_path / 'run.log'))
    try:
        Leaf(dict(type='Constant', val=1, layer='Conv1d')).init_weights()
    finally:
        for handler in run_logger.handlers:
            handler.close()
    text = (tmp_path / 'run.log').read_text()
    assert text.startswith('Name of parameter - Initialization information\n')
    assert 'conv.weight - torch.Size([2, 2, 1]): \nConstantInit: val=1, bias=0' in text
    assert 'conv.weight' not in capsys.readouterr().out


def test_children_inside_model_wrapper_are_initialised():
    class Wrapped(BaseModule):
        def __init__(self):
            super().__init__()
            self.inner = nn.DataParallel(Leaf(dict(type='Constant', val=6, layer='Conv1d')))

    model = Wrapped()
    model.init_weights()
    assert torch.all(model.inner.module.conv.weight == 6)


def test_non_dict_init_cfg_entry_raises():
    with pytest.raises(TypeError, match="each init_cfg entry must be a dict, got 'Constant'"):
        Leaf(['Constant']).init_weights()


def test_repr_shows_init_cfg():
    assert "init_cfg={'type': 'Constant'" in repr(Leaf(dict(type='Constant', val=1)))
    assert 'init_cfg' not in repr(Leaf())


def test_container_variants():
    seq = Sequential(Leaf(), nn.Linear(2, 2), init_cfg=dict(type='Constant', val=2,
                                                           layer='Linear'))
    lst = ModuleList([nn.Linear(2, 2)], init_cfg=dict(type='Constant', val=3, layer='Linear'))
    dct = ModuleDict({'a': nn.Linear(2, 2)}, init_cfg=dict(type='Constant', val=4,
                                                          layer='Linear'))
    for container in (seq, lst, dct):
        container.init_weights()
    assert torch.all(seq[1].weight == 2) and len(seq) == 2
    assert torch.all(lst[0].weight == 3)
    assert torch.all(dct['a'].weight == 4)
    assert isinstance(seq, nn.Sequential) and isinstance(lst, nn.ModuleList)
    assert isinstance(dct, nn.ModuleDict)
