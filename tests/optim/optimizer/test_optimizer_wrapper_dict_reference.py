"""Reference: OptimWrapperDict behaves like MMEngine's."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapper, OptimWrapperDict

mmengine_optim = pytest.importorskip('mmengine.optim')


def _pair(wrapper_cls, dict_cls):
    torch.manual_seed(0)
    generator, discriminator = nn.Linear(2, 2), nn.Linear(2, 1)
    gen = wrapper_cls(torch.optim.SGD(generator.parameters(), lr=0.1, momentum=0.9))
    disc = wrapper_cls(torch.optim.Adam(
        [{'params': discriminator.weight}, {'params': discriminator.bias, 'lr': 0.5}], lr=0.01))
    wrappers = dict_cls(generator=gen, discriminator=disc)
    loss = generator(torch.ones(1, 2)).sum() + discriminator(torch.ones(1, 2)).sum()
    loss.backward()
    wrappers['generator'].step()
    wrappers['discriminator'].step()
    return wrappers, (generator, discriminator)


@pytest.fixture
def both():
    return (_pair(OptimWrapper, OptimWrapperDict),
            _pair(mmengine_optim.OptimWrapper, mmengine_optim.OptimWrapperDict))


def test_read_api_equals_mmengine(both):
    (ours, _), (theirs, _) = both
    assert list(ours.keys()) == list(theirs.keys())
    assert [n for n, _ in ours.items()] == [n for n, _ in theirs.items()]
    assert len(ours) == len(theirs) and ('generator' in ours) == ('generator' in theirs)
    assert ours.get_lr() == theirs.get_lr()
    assert ours.get_momentum() == theirs.get_momentum()
    assert {k: len(v) for k, v in ours.param_groups.items()} == \
        {k: len(v) for k, v in theirs.param_groups.items()}
    assert repr(ours) == repr(theirs)


def test_state_dict_equals_mmengine_and_loads_across(both):
    (ours, _), (theirs, _) = both
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert our_state.keys() == their_state.keys()
    for name in our_state:
        assert our_state[name].keys() == their_state[name].keys()
        assert our_state[name]['param_groups'] == their_state[name]['param_groups']
        for key, value in our_state[name]['state'].items():
            for field, tensor in value.items():
                torch.testing.assert_close(tensor, their_state[name]['state'][key][field])
    ours.load_state_dict(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())


def test_zero_grad_equals_mmengine(both):
    for wrappers, modules in both:
        wrappers.zero_grad()
        assert all(p.grad is None for module in modules for p in module.parameters())


@pytest.mark.parametrize('call', [
    lambda w: w.update_params(torch.tensor(1.0)),
    lambda w: w.backward(torch.tensor(1.0)),
    lambda w: w.step(),
    lambda w: w.optim_context(nn.Linear(1, 1)).__enter__(),
])
def test_per_wrapper_operations_raise_in_both(both, call):
    for wrappers, _ in both:
        with pytest.raises(NotImplementedError):
            call(wrappers)


def test_initialize_count_status_is_a_no_op_in_both(both):
    for wrappers, _ in both:
        wrappers.initialize_count_status(nn.Linear(1, 1), 5, 10)
        assert wrappers['generator'].inner_count == 0
