"""OptimWrapper with its default (plain PyTorch) backend."""
from __future__ import annotations

import importlib
import logging
from contextlib import contextmanager

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapper, TorchOptimBackend
from mmlightning.optim.optimizer import optimizer_wrapper as wrapper_module


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Linear(3, 2)


def _sgd(model: nn.Module, lr: float = 0.1, **kwargs) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=lr, **kwargs)


def _loss(model: nn.Module, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (model(torch.randn(4, 3, generator=generator)) ** 2).sum()


def _manual_trajectory(accumulative_counts: int, iters: int, clip: float | None = None):
    """Reference loop: sum windowed losses / window size, clip, SGD step."""
    model = _model()
    optimizer = _sgd(model)
    for start in range(0, iters, accumulative_counts):
        window = list(range(start, min(start + accumulative_counts, iters)))
        for i in window:
            (_loss(model, i) / len(window)).backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        optimizer.zero_grad()
    return model


def test_update_params_steps_like_plain_sgd():
    model = _model()
    reference = _model()
    wrapper = OptimWrapper(_sgd(model))
    optimizer = _sgd(reference)
    for i in range(3):
        wrapper.update_params(_loss(model, i))
        _loss(reference, i).backward()
        optimizer.step()
        optimizer.zero_grad()
    assert torch.allclose(model.weight, reference.weight)
    assert wrapper.inner_count == 3
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


@pytest.mark.parametrize('accumulative_counts', [2, 3])
def test_accumulation_with_last_shorter_window(accumulative_counts):
    iters = 7
    model = _model()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=accumulative_counts)
    wrapper.initialize_count_status(model, 0, iters)
    for i in range(iters):
        wrapper.update_params(_loss(model, i))
    expected = _manual_trajectory(accumulative_counts, iters)
    assert torch.allclose(model.weight, expected.weight, atol=1e-6)
    assert torch.allclose(model.bias, expected.bias, atol=1e-6)


def test_accumulation_without_max_counts_drops_last_partial_window():
    model = _model()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=3)
    updates = []
    for i in range(7):
        wrapper.update_params(_loss(model, i))
        updates.append(wrapper.should_update())
    assert updates == [False, False, True, False, False, True, False]
    assert model.weight.grad is not None and model.weight.grad.abs().sum() > 0


def test_scale_loss_factors():
    wrapper = OptimWrapper(_sgd(_model()), accumulative_counts=3)
    loss = torch.tensor(6.0)
    assert wrapper.scale_loss(loss) == 2.0  # max_counts unknown: always / 3
    wrapper.initialize_count_status(_model(), 6, 8)
    assert wrapper.scale_loss(loss) == 3.0  # last window has 8 % 3 == 2 iterations
    assert OptimWrapper(_sgd(_model())).scale_loss(loss) is loss


def test_scale_loss_past_max_counts_raises():
    model = _model()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2)
    wrapper.initialize_count_status(model, 4, 4)
    with pytest.raises(RuntimeError, match='max_counts is 4.*initialize_count_status') as err:
        wrapper.scale_loss(torch.tensor(1.0))
    assert isinstance(err.value, AssertionError)  # MMEngine asserted loss_factor > 0


def test_should_update_and_should_sync_follow_counts():
    model = _model()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=3)
    wrapper.initialize_count_status(model, 0, 5)
    syncs, updates = [], []
    for i in range(5):
        syncs.append(wrapper.should_sync())
        wrapper.update_params(_loss(model, i))
        updates.append(wrapper.should_update())
    assert syncs == [False, False, True, False, True]
    assert updates == [False, False, True, False, True]
    assert wrapper.max_counts == 5
    assert wrapper.accumulative_counts == 3


def test_initialize_count_status_warnings(caplog):
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2)
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        wrapper.initialize_count_status(model, 3, 10)
    assert 'not divisible' in caplog.text
    assert 'BatchNorm' in caplog.text
    assert wrapper.inner_count == 3


@pytest.mark.parametrize('counts', [(-1, 3), (5, 3)])
def test_initialize_count_status_rejects_bad_counts(counts):
    model = _model()
    with pytest.raises(ValueError, match='0 <= init_counts <= max_counts'):
        OptimWrapper(_sgd(model)).initialize_count_status(model, *counts)


def test_clip_grad_norm_and_value():
    model = _model()
    wrapper = OptimWrapper(_sgd(model, lr=0.0), clip_grad=dict(max_norm=0.1))
    wrapper.backward(_loss(model, 0) * 100)
    wrapper.step()
    norm = torch.cat([p.grad.flatten() for p in model.parameters()]).norm()
    assert norm == pytest.approx(0.1, rel=1e-4)

    model = _model()
    wrapper = OptimWrapper(_sgd(model, lr=0.0), clip_grad=dict(type='value', clip_value=0.01))
    wrapper.backward(_loss(model, 0) * 100)
    wrapper.step()
    assert max(p.grad.abs().max() for p in model.parameters()) <= 0.01 + 1e-8


def test_clip_grad_trajectory_matches_manual_loop():
    model = _model()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2, clip_grad=dict(max_norm=0.5))
    wrapper.initialize_count_status(model, 0, 5)
    for i in range(5):
        wrapper.update_params(_loss(model, i))
    expected = _manual_trajectory(2, 5, clip=0.5)
    assert torch.allclose(model.weight, expected.weight, atol=1e-6)


def test_clip_grad_does_not_mutate_config_and_skips_params_without_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[1].requires_grad_(False)
    clip_grad = dict(type='norm', max_norm=1.0)
    wrapper = OptimWrapper(_sgd(model), clip_grad=clip_grad)
    assert clip_grad == dict(type='norm', max_norm=1.0)
    wrapper.step()  # no gradients at all: nothing to clip
    wrapper.update_params(model(torch.ones(1, 2)).sum())


@pytest.mark.parametrize('clip_grad, match', [
    ({}, 'If `clip_grad` is not None, it should be a `dict`'),
    ('norm', 'If `clip_grad` is not None, it should be a `dict`'),
    (dict(type='nrm', max_norm=1), 'should be "norm" or "value" but got \'nrm\'.*norm'),
    (dict(type='value'), 'should contain other arguments besides `type`'),
    (dict(max_nrm=1), "unknown \\['max_nrm'\\].*max_norm"),
])
def test_bad_clip_grad_raises(clip_grad, match):
    with pytest.raises(ValueError, match=match):
        OptimWrapper(_sgd(_model()), clip_grad=clip_grad)


@pytest.mark.parametrize('counts', [0, -2, 1.5, True])
def test_bad_accumulative_counts_raises(counts):
    with pytest.raises(ValueError, match='accumulative_counts must be an int >= 1'):
        OptimWrapper(_sgd(_model()), accumulative_counts=counts)


def test_optimizer_must_be_built():
    with pytest.raises(TypeError, match='wraps a built torch.optim.Optimizer, got dict'):
        OptimWrapper(dict(type='SGD', lr=0.1))


def test_grad_norm_is_logged_to_the_message_hub(monkeypatch):
    logged = {}

    class Hub:
        def update_scalar(self, key, value):
            logged[key] = float(value)

    monkeypatch.setattr(wrapper_module, '_current_message_hub', Hub)
    model = _model()
    wrapper = OptimWrapper(_sgd(model), clip_grad=dict(max_norm=1e6))
    loss = _loss(model, 0)
    wrapper.update_params(loss)
    expected = torch.cat([p.grad.flatten() for p in _grads(_model(), 0)]).norm()
    assert logged == {'train/grad_norm': pytest.approx(float(expected), rel=1e-5)}

    logged.clear()
    value_wrapper = OptimWrapper(_sgd(model), clip_grad=dict(type='value', clip_value=1.0))
    value_wrapper.update_params(_loss(model, 1))
    assert logged == {}  # clip_grad_value_ returns nothing to log


def _grads(model: nn.Module, seed: int):
    _loss(model, seed).backward()
    return list(model.parameters())


def test_message_hub_is_none_until_logging_provides_one():
    logging_package = importlib.import_module('mmlightning.logging')
    hub = OptimWrapper(_sgd(_model())).message_hub
    if hasattr(logging_package, 'MessageHub'):
        assert hub is logging_package.MessageHub.get_current_instance()
    else:
        assert hub is None


def test_lr_momentum_and_param_groups_single_group():
    model = _model()
    wrapper = OptimWrapper(_sgd(model, momentum=0.9))
    assert wrapper.get_lr() == {'lr': [0.1]}
    assert wrapper.get_momentum() == {'momentum': [0.9]}
    assert wrapper.param_groups is wrapper.optimizer.param_groups
    assert wrapper.defaults is wrapper.optimizer.defaults
    assert 'base_param_settings' not in wrapper.state_dict()


def test_several_groups_add_base_param_settings():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    optimizer = torch.optim.Adam([{'params': model[0].parameters(), 'lr': 0.5},
                                  {'params': model[1].parameters()}], lr=0.01)
    wrapper = OptimWrapper(optimizer)
    assert len(wrapper.param_groups) == 3
    fake = wrapper.param_groups[-1]
    assert torch.equal(fake['params'], torch.tensor([0.0])) and fake['lr'] == 0.01
    assert wrapper.get_lr() == {'base_lr': [0.01], 'lr': [0.5, 0.01]}
    assert wrapper.get_momentum() == {'momentum': [0.9, 0.9]}
    state = wrapper.state_dict()
    assert state['base_param_settings']['lr'] == 0.01

    fake['lr'] = 0.02  # schedulers change the fake group; it is saved and restored
    saved = wrapper.state_dict()
    other = OptimWrapper(torch.optim.Adam([{'params': model[0].parameters(), 'lr': 0.5},
                                           {'params': model[1].parameters()}], lr=0.01))
    other.load_state_dict(saved)
    assert other.get_lr()['base_lr'] == [0.02]
    assert 'base_param_settings' in saved  # load_state_dict does not mutate its argument


def test_get_momentum_without_momentum_key():
    model = _model()
    wrapper = OptimWrapper(torch.optim.Adagrad(model.parameters(), lr=0.1))
    assert wrapper.get_momentum() == {'momentum': [0]}


def test_state_dict_round_trip():
    model = _model()
    wrapper = OptimWrapper(_sgd(model, momentum=0.9))
    wrapper.update_params(_loss(model, 0))
    other = OptimWrapper(_sgd(_model(), momentum=0.9))
    other.load_state_dict(wrapper.state_dict())
    buffers = [s['momentum_buffer'] for s in other.optimizer.state.values()]
    expected = [s['momentum_buffer'] for s in wrapper.optimizer.state.values()]
    assert all(torch.equal(a, b) for a, b in zip(buffers, expected))


class _DDPLike(nn.Linear):
    def __init__(self):
        super().__init__(1, 1)
        self.no_sync_entered = 0

    @contextmanager
    def no_sync(self):
        self.no_sync_entered += 1
        yield


def test_optim_context_enters_no_sync_only_while_accumulating():
    model = _DDPLike()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 3)
    for _ in range(3):
        with wrapper.optim_context(model):
            loss = model(torch.ones(1, 1)).sum()
        wrapper.update_params(loss)
    assert model.no_sync_entered == 1  # iteration 1 only; 2 ends a window, 3 ends the run
    with OptimWrapper(_sgd(_model()), accumulative_counts=2).optim_context(_model()):
        pass  # a model without no_sync gets a null context


def test_step_and_zero_grad_pass_kwargs():
    model = _model()
    wrapper = OptimWrapper(_sgd(model))
    _loss(model, 0).backward()
    wrapper.step()
    wrapper.zero_grad(set_to_none=False)
    assert model.weight.grad is not None and not model.weight.grad.any()
    calls = []
    wrapper.update_params(_loss(model, 1), step_kwargs={'closure': lambda: calls.append(1)},
                          zero_kwargs={'set_to_none': True})
    assert calls == [1] and model.weight.grad is None


def test_backward_passes_kwargs_to_tensor_backward():
    model = _model()
    wrapper = OptimWrapper(_sgd(model))
    loss = _loss(model, 0)
    wrapper.backward(loss, retain_graph=True)
    wrapper.backward(loss)  # the graph was retained
    assert wrapper.inner_count == 2


def test_backend_setter_validates():
    wrapper = OptimWrapper(_sgd(_model()))
    assert isinstance(wrapper.backend, TorchOptimBackend)
    with pytest.raises(TypeError, match='must implement OptimBackend.*got object'):
        wrapper.backend = object()


def test_repr():
    text = repr(OptimWrapper(_sgd(_model()), accumulative_counts=4))
    assert text.startswith('Type: OptimWrapper\n_accumulative_counts: 4\noptimizer: \nSGD')
