"""The backend seam: the wrapper routes every action through its backend."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import torch
from torch import nn

from mmlightning.optim import (
    AmpOptimWrapper,
    GradScalerBackend,
    OptimBackend,
    OptimWrapper,
    TorchOptimBackend,
)


class RecordingBackend(TorchOptimBackend):
    """A stand-in for a Lightning backend: records the calls, then does the plain thing."""

    def __init__(self):
        self.calls: list[tuple] = []

    @contextmanager
    def no_sync(self, model):
        self.calls.append(('no_sync', type(model).__name__))
        yield

    def backward(self, loss, *, sync, **kwargs):
        self.calls.append(('backward', round(float(loss.detach()), 6), sync, tuple(sorted(kwargs))))
        super().backward(loss, sync=sync, **kwargs)

    def step(self, optimizer, *, before_step=None, **kwargs):
        self.calls.append(('step', before_step is not None, tuple(sorted(kwargs))))
        super().step(optimizer, before_step=before_step, **kwargs)

    def zero_grad(self, optimizer, **kwargs):
        self.calls.append(('zero_grad', tuple(sorted(kwargs))))
        super().zero_grad(optimizer, **kwargs)

    def clip_grad(self, params, kind, **kwargs):
        self.calls.append(('clip_grad', kind, len(params), tuple(sorted(kwargs))))
        return super().clip_grad(params, kind, **kwargs)


def _run(wrapper: OptimWrapper, model: nn.Module, iters: int) -> None:
    for _ in range(iters):
        with wrapper.optim_context(model):
            loss = model(torch.ones(1, 2)).sum() * 0 + 6.0
        wrapper.update_params(loss)


def test_default_backends_satisfy_the_protocol():
    assert isinstance(TorchOptimBackend(), OptimBackend)
    assert isinstance(GradScalerBackend(torch.amp.GradScaler('cpu')), OptimBackend)
    assert isinstance(RecordingBackend(), OptimBackend)


def test_every_call_goes_through_the_backend_with_accumulation_semantics():
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=3,
                           clip_grad=dict(max_norm=1.0))
    backend = RecordingBackend()
    wrapper.backend = backend
    wrapper.initialize_count_status(model, 0, 7)
    _run(wrapper, model, 7)
    window = [('no_sync', 'Linear'), ('backward', 2.0, False, ()),
              ('no_sync', 'Linear'), ('backward', 2.0, False, ()),
              ('backward', 2.0, True, ()), ('step', True, ()),
              ('clip_grad', 'norm', 2, ('max_norm',)), ('zero_grad', ())]
    last = [('backward', 6.0, True, ()), ('step', True, ()),
            ('clip_grad', 'norm', 2, ('max_norm',)), ('zero_grad', ())]
    assert backend.calls == window + window + last


def test_kwargs_reach_the_backend():
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    backend = RecordingBackend()
    wrapper.backend = backend
    loss = model(torch.ones(1, 2)).sum()
    wrapper.backward(loss, retain_graph=True)
    wrapper.update_params(loss, step_kwargs={'closure': None},
                          zero_kwargs={'set_to_none': True})
    assert backend.calls == [('backward', round(float(loss.detach()), 6), True, ('retain_graph',)),
                             ('backward', round(float(loss.detach()), 6), True, ()),
                             ('step', False, ('closure',)), ('zero_grad', ('set_to_none',))]


def test_a_backend_decides_when_clipping_runs():
    """A Lightning backend runs ``before_step`` later (on_before_optimizer_step)."""

    class DeferredBackend(TorchOptimBackend):
        pending = None

        def step(self, optimizer, *, before_step=None, **kwargs):
            self.pending = before_step
            optimizer.step(**kwargs)

    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0),
                           clip_grad=dict(type='value', clip_value=0.01))
    wrapper.backend = backend = DeferredBackend()
    wrapper.backward(model(torch.ones(1, 2)).sum() * 100)
    wrapper.step()
    assert model.weight.grad.abs().max() > 0.01  # not clipped yet
    backend.pending()
    assert model.weight.grad.abs().max() <= 0.01


def test_no_sync_is_used_when_forward_blocks_sync_but_not_otherwise():
    model = nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    wrapper.backend = backend = RecordingBackend()
    _run(wrapper, model, 2)
    assert [call[0] for call in backend.calls].count('no_sync') == 0


def test_torch_backend_no_sync_uses_the_model_method():
    entered = []

    class Wrapped(nn.Linear):
        @contextmanager
        def no_sync(self):
            entered.append(True)
            yield

    with TorchOptimBackend().no_sync(Wrapped(1, 1)):
        pass
    with TorchOptimBackend().no_sync(nn.Linear(1, 1)):
        pass
    assert entered == [True]


def test_grad_scaler_backend_scales_unscales_and_updates():
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    scaler = torch.amp.GradScaler('cpu', init_scale=8.0)
    backend = GradScalerBackend(scaler, update_param=8.0)
    backend.backward(model(torch.ones(1, 2)).sum(), sync=True)
    assert torch.allclose(model.bias.grad, torch.tensor([8.0]))  # scaled
    seen = []
    backend.step(optimizer, before_step=lambda: seen.append(model.bias.grad.clone()))
    assert torch.allclose(seen[0], torch.tensor([1.0]))  # unscaled before clipping
    assert scaler.get_scale() == 8.0  # static scale kept by update(8.0)


def test_amp_wrapper_routes_through_its_grad_scaler_backend():
    model = nn.Linear(2, 1)
    wrapper = AmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              dtype='float16', loss_scale=4.0)
    assert isinstance(wrapper.backend, GradScalerBackend)
    assert wrapper.backend.scaler is wrapper.loss_scaler
    wrapper.backend = backend = RecordingBackend()  # e.g. Lightning owns scaling
    wrapper.update_params(model(torch.ones(1, 2)).sum())
    assert [call[0] for call in backend.calls] == ['backward', 'step', 'zero_grad']


@pytest.mark.parametrize('kind', ['norm', 'value'])
def test_torch_backend_clip_grad(kind):
    param = nn.Parameter(torch.ones(4))
    param.grad = torch.full((4,), 3.0)
    kwargs = {'max_norm': 1.0} if kind == 'norm' else {'clip_value': 0.5}
    result = TorchOptimBackend().clip_grad([param], kind, **kwargs)
    if kind == 'norm':
        assert float(result) == pytest.approx(6.0)
        assert float(param.grad.norm()) == pytest.approx(1.0, rel=1e-4)
    else:
        assert result is None and torch.all(param.grad == 0.5)
