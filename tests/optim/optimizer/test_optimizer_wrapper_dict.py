"""OptimWrapperDict: several named optimizer wrappers."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapper, OptimWrapperDict, TorchOptimBackend


def _wrappers():
    generator, discriminator = nn.Linear(2, 2), nn.Linear(2, 1)
    gen = OptimWrapper(torch.optim.SGD(generator.parameters(), lr=0.1, momentum=0.9))
    disc = OptimWrapper(torch.optim.Adam(
        [{'params': discriminator.weight}, {'params': discriminator.bias, 'lr': 0.5}], lr=0.01))
    return generator, discriminator, OptimWrapperDict(generator=gen, discriminator=disc)


def test_mapping_api():
    _, _, wrappers = _wrappers()
    assert list(wrappers.keys()) == ['generator', 'discriminator']
    assert [name for name, _ in wrappers.items()] == ['generator', 'discriminator']
    assert all(isinstance(w, OptimWrapper) for w in wrappers.values())
    assert len(wrappers) == 2 and 'generator' in wrappers and 'critic' not in wrappers
    assert wrappers['generator'] is wrappers.optim_wrappers['generator']
    assert repr(wrappers).startswith('name: generator\nType: OptimWrapper')


def test_lr_momentum_and_param_groups_are_prefixed():
    _, _, wrappers = _wrappers()
    assert wrappers.get_lr() == {'generator.lr': [0.1], 'discriminator.base_lr': [0.01],
                                 'discriminator.lr': [0.01, 0.5]}
    assert wrappers.get_momentum() == {'generator.momentum': [0.9],
                                       'discriminator.momentum': [0.9, 0.9]}
    groups = wrappers.param_groups
    assert set(groups) == {'generator', 'discriminator'} and len(groups['discriminator']) == 3


def test_state_dict_round_trip_by_name():
    generator, _, wrappers = _wrappers()
    wrappers['generator'].update_params(generator(torch.ones(1, 2)).sum())
    state = wrappers.state_dict()
    assert set(state) == {'generator', 'discriminator'}
    assert 'base_param_settings' in state['discriminator']
    _, _, other = _wrappers()
    other.load_state_dict(state)
    assert other['generator'].optimizer.state_dict()['state'].keys() == {0, 1}


def test_zero_grad_zeroes_every_wrapper():
    generator, discriminator, wrappers = _wrappers()
    generator(torch.ones(1, 2)).sum().backward()
    discriminator(torch.ones(1, 2)).sum().backward()
    wrappers.zero_grad()
    assert all(p.grad is None for p in [*generator.parameters(), *discriminator.parameters()])


@pytest.mark.parametrize('call', [
    lambda w: w.update_params(torch.tensor(1.0)),
    lambda w: w.backward(torch.tensor(1.0)),
    lambda w: w.step(),
    lambda w: w.optim_context(nn.Linear(1, 1)),
    lambda w: w.backend,
    lambda w: setattr(w, 'backend', TorchOptimBackend()),
])
def test_per_wrapper_operations_raise(call):
    _, _, wrappers = _wrappers()
    with pytest.raises(NotImplementedError, match='should be called by each optimizer wrapper'):
        call(wrappers)


def test_initialize_count_status_is_a_no_op():
    _, _, wrappers = _wrappers()
    wrappers.initialize_count_status(nn.Linear(1, 1), 3, 10)
    assert wrappers['generator'].inner_count == 0


def test_errors_name_the_bad_key():
    _, _, wrappers = _wrappers()
    with pytest.raises(KeyError, match="Cannot find 'generater'.*Did you mean 'generator'"):
        wrappers['generater']
    with pytest.raises(KeyError, match="Cannot find 'critic'"):
        wrappers.load_state_dict({'critic': {}})
    # TypeError, and AssertionError as in MMEngine.
    for error in (TypeError, AssertionError):
        with pytest.raises(error, match='`OptimWrapperDict` only accept OptimWrapper instance, '
                           'but got gen: SGD'):
            OptimWrapperDict(gen=torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))
