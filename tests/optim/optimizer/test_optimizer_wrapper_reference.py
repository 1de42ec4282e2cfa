"""Reference: OptimWrapper trajectories (weights, lr, grad norm, counters) equal MMEngine's."""
from __future__ import annotations

import copy
import logging
import uuid
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from mmlightning.optim import OptimWrapper, TorchOptimBackend, scale_lr

mmengine_optim = pytest.importorskip('mmengine.optim')
mmengine_logging = pytest.importorskip('mmengine.logging')

ITERS = 7


class _ClipRecorder(TorchOptimBackend):
    """Default backend that also records the value each clip returns."""

    def __init__(self) -> None:
        self.clipped: list[float | None] = []

    def clip_grad(self, params, kind, **kwargs):
        result = super().clip_grad(params, kind, **kwargs)
        self.clipped.append(None if result is None else float(result))
        return result


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def _optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD([{'params': model[0].parameters(), 'lr': 0.05},
                            {'params': model[2].parameters()}], lr=0.1, momentum=0.9)


def _loss(model: nn.Module, i: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(i)
    return (model(torch.randn(5, 3, generator=generator)) ** 2).mean() * 10


def _run(wrapper_cls, accumulative_counts, clip_grad, init_counts=0):
    model = _model()
    wrapper = wrapper_cls(_optimizer(model), accumulative_counts=accumulative_counts,
                          clip_grad=copy.deepcopy(clip_grad))
    hub = mmengine_logging.MessageHub.get_instance(f'ref-{uuid.uuid4().hex}')  # a fresh hub
    recorder = None
    if isinstance(wrapper, OptimWrapper):
        wrapper.backend = recorder = _ClipRecorder()
    else:
        wrapper.message_hub = hub
    wrapper.initialize_count_status(model, init_counts, ITERS)
    trace = []
    for i in range(init_counts, ITERS):
        sync = wrapper.should_sync()
        with wrapper.optim_context(model):
            loss = _loss(model, i)
        wrapper.update_params(loss)
        trace.append((sync, wrapper.should_update(), wrapper.inner_count,
                      [p.detach().clone() for p in model.parameters()]))
    if recorder is not None:
        grads = [g for g in recorder.clipped if g is not None]
    elif clip_grad and clip_grad.get('type', 'norm') == 'norm':
        grads = hub.get_scalar('train/grad_norm').data[0].tolist()
    else:
        grads = []
    return trace, grads, wrapper


@pytest.mark.parametrize('accumulative_counts', [1, 2, 3])
@pytest.mark.parametrize('clip_grad', [None, dict(max_norm=0.5),
                                       dict(max_norm=0.3, norm_type=1),
                                       dict(type='value', clip_value=0.05)],
                         ids=['no-clip', 'norm', 'l1-norm', 'value'])
def test_trajectory_equals_mmengine(accumulative_counts, clip_grad):
    ours, our_grads, our_wrapper = _run(OptimWrapper, accumulative_counts, clip_grad)
    theirs, their_grads, their_wrapper = _run(
        mmengine_optim.OptimWrapper, accumulative_counts, clip_grad)
    for (s1, u1, c1, p1), (s2, u2, c2, p2) in zip(ours, theirs, strict=True):
        assert (s1, u1, c1) == (s2, u2, c2)
        for a, b in zip(p1, p2, strict=True):
            torch.testing.assert_close(a, b)
    assert our_grads == pytest.approx(their_grads, rel=1e-6)
    if clip_grad and clip_grad.get('type') != 'value':
        assert len(our_grads) == -(-ITERS // accumulative_counts)  # one per step
    assert our_wrapper.get_lr() == their_wrapper.get_lr()
    assert our_wrapper.get_momentum() == their_wrapper.get_momentum()
    assert len(our_wrapper.param_groups) == len(their_wrapper.param_groups) == 3
    ours_state, theirs_state = our_wrapper.state_dict(), their_wrapper.state_dict()
    assert ours_state.keys() == theirs_state.keys()
    assert ours_state['param_groups'] == theirs_state['param_groups']


def test_resumed_counts_equal_mmengine():
    ours, _, _ = _run(OptimWrapper, 3, None, init_counts=2)
    theirs, _, _ = _run(mmengine_optim.OptimWrapper, 3, None, init_counts=2)
    assert [t[:3] for t in ours] == [t[:3] for t in theirs]
    for (*_, p1), (*_, p2) in zip(ours, theirs, strict=True):
        for a, b in zip(p1, p2, strict=True):
            torch.testing.assert_close(a, b)


def test_scale_loss_equals_mmengine_without_initialize():
    for cls in (OptimWrapper, mmengine_optim.OptimWrapper):
        wrapper = cls(_optimizer(_model()), accumulative_counts=4)
        assert float(wrapper.scale_loss(torch.tensor(8.0))) == 2.0


def test_state_dicts_load_across_libraries():
    _, _, theirs = _run(mmengine_optim.OptimWrapper, 2, None)
    _, _, ours = _run(OptimWrapper, 1, None)
    ours.load_state_dict(theirs.state_dict())
    assert ours.get_lr() == theirs.get_lr()
    theirs.load_state_dict(ours.state_dict())


def test_scale_lr_equals_mmengine_runner():
    runner_module = pytest.importorskip('mmengine.runner')
    auto_scale_lr = dict(enable=True, base_batch_size=16)
    theirs = mmengine_optim.OptimWrapper(_optimizer(_model()))
    fake_runner = SimpleNamespace(_train_dataloader=dict(batch_size=8), world_size=4,
                                  logger=logging.getLogger('test'), param_schedulers=None)
    runner_module.Runner.scale_lr(fake_runner, theirs, auto_scale_lr)
    ours = OptimWrapper(_optimizer(_model()))
    scale_lr(ours, auto_scale_lr, real_batch_size=8 * 4)
    assert ours.get_lr() == theirs.get_lr()
