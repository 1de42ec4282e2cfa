"""AmpOptimWrapper on CPU (torch.amp.GradScaler('cpu'), CPU autocast)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlightning.optim import AmpOptimWrapper, OptimWrapper
from mmlightning.registry import OPTIM_WRAPPERS

pytestmark = pytest.mark.skipif(torch.cuda.is_available(),
                                reason='these tests pin the CPU behaviour')


def _wrapper(model: nn.Module | None = None, **kwargs) -> AmpOptimWrapper:
    model = model or nn.Linear(2, 1)
    return AmpOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)


def test_registered_and_is_an_optim_wrapper():
    assert OPTIM_WRAPPERS.get('AmpOptimWrapper') is AmpOptimWrapper
    assert isinstance(_wrapper(), OptimWrapper)


@pytest.mark.parametrize('dtype, expected_dtype, precision, scaler_enabled', [
    (None, torch.bfloat16, 'bf16-mixed', False),  # CPU autocast default is bfloat16
    ('bfloat16', torch.bfloat16, 'bf16-mixed', False),
    (torch.bfloat16, torch.bfloat16, 'bf16-mixed', False),
    ('float16', torch.float16, '16-mixed', True),
    ('float32', torch.float32, '32-true', True),
    ('float64', torch.float32, '32-true', True),  # torch cannot autocast to float64
])
def test_dtype_precision_and_scaler(dtype, expected_dtype, precision, scaler_enabled):
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype=dtype)
    assert wrapper.lightning_precision == precision
    assert wrapper.loss_scaler.is_enabled() is scaler_enabled
    with wrapper.optim_context(model):
        out = model(torch.ones(1, 2))
    assert out.dtype == expected_dtype
    assert wrapper.cast_dtype == (getattr(torch, dtype) if isinstance(dtype, str) else dtype)


def test_float16_training_scales_the_loss_and_matches_fp32_direction():
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype='float16', loss_scale=16.0, clip_grad=dict(max_norm=100.0))
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        loss = model(torch.ones(1, 2)).sum()
    wrapper.backward(loss)
    assert torch.allclose(model.bias.grad, torch.tensor([16.0]))  # scaled gradient
    wrapper.step()
    assert torch.allclose(model.weight, before - 0.1, atol=1e-3)  # unscaled update
    assert wrapper.loss_scaler.get_scale() == 16.0  # static scale


def test_dynamic_scale_backs_off_on_overflow():
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype='float16')
    before = model.weight.detach().clone()
    wrapper.update_params(model(torch.ones(1, 2)).sum() * float('inf'))
    assert torch.equal(model.weight, before)  # step skipped
    assert wrapper.loss_scaler.get_scale() == 65536.0 / 2


def test_dict_loss_scale_and_state_dict_round_trip():
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype='float16', loss_scale=dict(init_scale=32.0, growth_interval=1))
    wrapper.update_params(model(torch.ones(1, 2)).sum())
    state = wrapper.state_dict()
    assert state['loss_scaler']['scale'] == 64.0  # grew after one finite step
    other = _wrapper(nn.Linear(2, 1), dtype='float16')
    other.load_state_dict(state)
    assert other.loss_scaler.get_scale() == 64.0
    assert 'loss_scaler' in state  # not mutated by load_state_dict
    OptimWrapper.load_state_dict(other, wrapper.optimizer.state_dict())  # without a scaler


def test_bfloat16_has_a_pass_through_scaler():
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype='bfloat16', loss_scale=512.0)
    wrapper.backward(model(torch.ones(1, 2)).sum())
    assert torch.allclose(model.bias.grad, torch.tensor([1.0]))  # not scaled
    wrapper.step()
    assert wrapper.state_dict()['loss_scaler'] == {}


def test_int_loss_scale_is_a_static_scale():
    assert _wrapper(dtype='float16', loss_scale=8).loss_scaler.get_scale() == 8.0


def test_use_fsdp_builds_a_sharded_scaler():
    from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler
    assert isinstance(_wrapper(dtype='float16', use_fsdp=True).loss_scaler, ShardedGradScaler)


@pytest.mark.parametrize('loss_scale', ['static', True, [1.0]])
def test_bad_loss_scale_raises(loss_scale):
    with pytest.raises(TypeError, match='loss_scale must be of type float, dict, or "dynamic"'):
        _wrapper(loss_scale=loss_scale)


def test_bad_dtype_raises():
    with pytest.raises(AssertionError, match="dtype should be any of .* got 'fp16'"):
        _wrapper(dtype='fp16')
    with pytest.raises(ValueError, match="dtype should be any of .* got 'fp16'"):
        _wrapper(dtype='fp16')
    with pytest.raises(ValueError, match="Did you mean one of 'bfloat16'"):
        _wrapper(dtype='bfloat61')
    with pytest.raises(TypeError, match='dtype should be None or instance of torch.dtype'):
        _wrapper(dtype=16)


def test_accumulation_and_no_sync_still_apply():
    model = nn.Linear(2, 1)
    wrapper = _wrapper(model, dtype='bfloat16', accumulative_counts=2)
    assert not wrapper.should_sync()
    with wrapper.optim_context(model):
        loss = model(torch.ones(1, 2)).sum().detach().float()
    assert float(wrapper.scale_loss(loss)) == pytest.approx(float(loss) / 2)
