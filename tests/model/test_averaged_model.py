import logging

import pytest
import torch
from torch import nn

from mmlightning.model import (
    BaseAveragedModel,
    ExponentialMovingAverage,
    MomentumAnnealingEMA,
    StochasticWeightAverage,
)
from mmlightning.registry import MODELS


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))


def _perturb(model, step):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * (step + 1))
        model[1].running_mean.add_(1.0)
        model[1].num_batches_tracked += 1


def _run(avg, model, steps):
    """Update ``avg`` ``steps`` times, perturbing ``model`` before each update.

    Returns:
        list of (model weight, averaged weight) after each update.
    """
    history = []
    for step in range(steps):
        _perturb(model, step)
        avg.update_parameters(model)
        history.append((model[0].weight.detach().clone(), avg.module[0].weight.detach().clone()))
    return history


def test_ema_trajectory_follows_lerp_with_momentum_on_new_value():
    model = _model()
    ema = ExponentialMovingAverage(model, momentum=0.1)
    expected = model[0].weight.detach().clone()
    for step, (current, got) in enumerate(_run(ema, model, 20)):
        # First update copies; then ema = (1 - m) * ema + m * new.
        expected = current.clone() if step == 0 else 0.9 * expected + 0.1 * current
        torch.testing.assert_close(got, expected)
    assert ema.steps.item() == 20 and ema.steps.dtype == torch.long


def test_ema_interval_and_buffers_copied():
    model = _model()
    ema = ExponentialMovingAverage(model, momentum=0.5, interval=3)
    expected = None
    for step in range(7):
        _perturb(model, step)
        ema.update_parameters(model)
        current = model[0].weight.detach()
        if step == 0:
            expected = current.clone()
        elif step % 3 == 0:
            expected = 0.5 * expected + 0.5 * current
        torch.testing.assert_close(ema.module[0].weight, expected)
        # Buffers are copied on every update without update_buffers.
        torch.testing.assert_close(ema.module[1].running_mean, model[1].running_mean)
        assert ema.module[1].num_batches_tracked == model[1].num_batches_tracked


def test_ema_update_buffers_averages_float_buffers_only():
    model = _model()
    ema = ExponentialMovingAverage(model, momentum=0.5, update_buffers=True)
    _perturb(model, 0)
    ema.update_parameters(model)
    first_mean = model[1].running_mean.clone()
    _perturb(model, 1)
    ema.update_parameters(model)
    torch.testing.assert_close(ema.module[1].running_mean,
                               0.5 * first_mean + 0.5 * model[1].running_mean)
    # Integer buffers keep the first copy.
    assert ema.module[1].num_batches_tracked.item() == 1
    assert 'steps' in ema.state_dict()


def test_swa_is_the_running_mean():
    model = _model()
    swa = StochasticWeightAverage(model)
    history = _run(swa, model, 6)
    seen = [current for current, _ in history]
    # The average of everything seen so far, after each update.
    for step, (_, got) in enumerate(history):
        torch.testing.assert_close(got, torch.stack(seen[:step + 1]).mean(0))


def test_momentum_annealing_ema():
    model = _model()
    ema = MomentumAnnealingEMA(model, momentum=0.01, gamma=4)
    expected = None
    for step, (current, got) in enumerate(_run(ema, model, 20)):
        if step == 0:
            expected = current.clone()
        else:
            momentum = max(0.01, 4 / (4 + step))
            expected = (1 - momentum) * expected + momentum * current
        torch.testing.assert_close(got, expected)


def test_averaged_model_is_a_frozen_copy_and_forwards():
    model = _model()
    ema = ExponentialMovingAverage(model)
    assert ema.module is not model
    assert not any(p.requires_grad for p in ema.module.parameters())
    assert all(p.requires_grad for p in model.parameters())
    ema.eval()
    x = torch.ones(3, 2)
    model.eval()
    torch.testing.assert_close(ema(x), model(x))


def test_device_argument():
    ema = ExponentialMovingAverage(_model(), device=torch.device('meta'))
    assert ema.module[0].weight.device.type == 'meta' and ema.steps.device.type == 'meta'


def test_registered_and_built():
    model = _model()
    for name in ('ExponentialMovingAverage', 'MomentumAnnealingEMA', 'StochasticWeightAverage'):
        averaged = MODELS.build(dict(type=name, model=model))
        assert isinstance(averaged, BaseAveragedModel)


@pytest.mark.parametrize('momentum', [0.0, 1.0, -0.1])
def test_bad_momentum(momentum):
    with pytest.raises(ValueError, match=f'momentum must be in range \\(0.0, 1.0\\), but got '
                                         f'{momentum}') as err:
        ExponentialMovingAverage(_model(), momentum=momentum)
    assert isinstance(err.value, AssertionError)  # MMEngine asserted: callers catching that work


def test_large_momentum_warns(caplog):
    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        ExponentialMovingAverage(_model(), momentum=0.9)
    assert 'usually a small number' in caplog.text


def test_bad_gamma():
    with pytest.raises(AssertionError, match='gamma must be greater than 0, but got 0'):
        MomentumAnnealingEMA(_model(), gamma=0)
