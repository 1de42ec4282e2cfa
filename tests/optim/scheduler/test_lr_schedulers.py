"""Each learning-rate scheduler against the closed form of its schedule (within 1e-12)."""
from __future__ import annotations

import math

import pytest

from mmlightning.optim.scheduler import (
    ConstantLR,
    CosineAnnealingLR,
    CosineRestartLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolyLR,
    StepLR,
)


def test_constant_lr_scales_until_end_minus_one(helpers, optimizer):
    scheduler = ConstantLR(optimizer, factor=0.5, end=6, by_epoch=False)
    trace = helpers.run(optimizer, [scheduler], 12)
    helpers.assert_trace(trace, lambda t, b: b * 0.5 if t < 5 else b)
    assert scheduler.get_last_value() == [0.1, 0.05]


def test_constant_lr_respects_begin(helpers, optimizer):
    trace = helpers.run(optimizer, [ConstantLR(optimizer, factor=0.25, begin=3, end=8)], 12)
    helpers.assert_trace(trace, lambda t, b: b * 0.25 if 3 <= t < 7 else b)


def test_cosine_annealing_follows_the_half_cosine_then_freezes(helpers, optimizer):
    eta_min = 1e-3
    trace = helpers.run(optimizer, [CosineAnnealingLR(optimizer, eta_min=eta_min, end=20)], 30)

    def expected(t, b):
        t = min(t, 19)
        return eta_min + (b - eta_min) * (1 + math.cos(math.pi * t / 20)) / 2

    helpers.assert_trace(trace, expected)


def test_cosine_annealing_continues_past_t_max(helpers, optimizer):
    """With T_max < end the cosine goes on and the value rises again (PyTorch behaviour)."""
    trace = helpers.run(optimizer, [CosineAnnealingLR(optimizer, T_max=10, by_epoch=False)], 30)
    helpers.assert_trace(trace, lambda t, b: b * (1 + math.cos(math.pi * t / 10)) / 2)


def test_cosine_annealing_eta_min_ratio_is_per_group(helpers, optimizer):
    scheduler = CosineAnnealingLR(optimizer, eta_min_ratio=0.1, begin=2, end=12)
    trace = helpers.run(optimizer, [scheduler], 15)

    def expected(t, b):
        t = min(max(t - 2, 0), 9)
        return 0.1 * b + 0.9 * b * (1 + math.cos(math.pi * t / 10)) / 2

    helpers.assert_trace(trace, expected)


def test_exponential_lr(helpers, optimizer):
    trace = helpers.run(optimizer, [ExponentialLR(optimizer, gamma=0.9, end=10)], 14)
    helpers.assert_trace(trace, lambda t, b: b * 0.9**min(t, 9))


def test_linear_lr_warmup(helpers, optimizer):
    scheduler = LinearLR(optimizer, start_factor=0.1, end_factor=0.9, end=6)
    trace = helpers.run(optimizer, [scheduler], 9)
    helpers.assert_trace(trace, lambda t, b: b * (0.1 + 0.8 * min(t, 5) / 5))


@pytest.mark.parametrize('end_factor', [1.0, 0.0])
def test_linear_lr_warmup_from_zero(helpers, optimizer, end_factor):
    # MMEngine's chainable update divides by zero at step 1; here the warm-up starts at 0
    scheduler = LinearLR(optimizer, start_factor=0.0, end_factor=end_factor, end=5)
    trace = helpers.run(optimizer, [scheduler], 8)
    helpers.assert_trace(trace, lambda t, b: b * end_factor * min(t, 4) / 4)


def test_multistep_lr_repeated_milestone_decays_twice(helpers, optimizer):
    trace = helpers.run(optimizer, [MultiStepLR(optimizer, milestones=[3, 6, 6], gamma=0.5)], 9)
    helpers.assert_trace(trace, lambda t, b: b * 0.5**sum(m <= t for m in (3, 6, 6)))


def test_step_lr_counts_from_begin(helpers, optimizer):
    trace = helpers.run(optimizer, [StepLR(optimizer, step_size=3, gamma=0.5, begin=2, end=11)], 14)
    helpers.assert_trace(trace, lambda t, b: b * 0.5**(min(max(t - 2, 0), 8) // 3))


@pytest.mark.parametrize('power', [1.0, 2.0, 0.5])
def test_poly_lr_reaches_eta_min(helpers, optimizer, power):
    eta_min, steps = 1e-4, 10  # end - begin - 1 = 10
    trace = helpers.run(optimizer, [PolyLR(optimizer, eta_min=eta_min, power=power, end=11)], 13)

    def expected(t, b):
        return eta_min + (b - eta_min) * ((steps - min(t, steps)) / steps)**power

    helpers.assert_trace(trace, expected)


def test_cosine_restart_lr_restarts_with_weights_then_freezes(helpers, optimizer):
    periods, weights, eta_min = (5, 10), (1.0, 0.5), 1e-3
    scheduler = CosineRestartLR(optimizer, periods=list(periods), restart_weights=weights,
                                eta_min=eta_min)
    trace = helpers.run(optimizer, [scheduler], 20)

    def expected(t, b):
        t = min(t, 14)
        index, local = (0, t) if t < 5 else (1, t - 5)
        peak = b * weights[index]
        return eta_min + (peak - eta_min) * (1 + math.cos(math.pi * local / periods[index])) / 2

    helpers.assert_trace(trace, expected)


def test_position_from_periods():
    assert [CosineRestartLR.get_position_from_periods(i, [100, 200, 300, 400])
            for i in (50, 210, 300, 400)] == [0, 2, 3, None]


@pytest.mark.parametrize('kwargs, match', [
    ({'eta_min': 0.0, 'eta_min_ratio': 0.1}, 'Either `eta_min` or `eta_min_ratio'),
    ({}, 'exactly one of them'),
    ({'eta_min': 0.0, 'restart_weights': [1, 1]}, r'restart_weights=\[1, 1\]'),
])
def test_cosine_restart_rejects_bad_options(optimizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CosineRestartLR(optimizer, periods=[5], **kwargs)


def test_cosine_annealing_rejects_both_minima(optimizer):
    with pytest.raises(ValueError, match='eta_min=0.1, eta_min_ratio=0.5'):
        CosineAnnealingLR(optimizer, eta_min=0.1, eta_min_ratio=0.5, end=10)


@pytest.mark.parametrize('kwargs, match', [
    ({'start_factor': 1.5}, 'start_factor should be between 0 and 1, got 1.5'),
    ({'end_factor': -0.1}, 'end_factor should be between 0 and 1, got -0.1'),
])
def test_linear_lr_rejects_bad_factors(optimizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearLR(optimizer, **kwargs)


@pytest.mark.parametrize('kwargs, match', [
    ({'factor': 2.0}, 'between 0 and 1, got factor=2.0'),
    ({'factor': 0.0, 'end': 5}, 'factor=0 cannot be undone at end=5'),
])
def test_constant_lr_rejects_bad_factor(optimizer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConstantLR(optimizer, **kwargs)


def test_step_lr_rejects_non_positive_step_size(optimizer):
    with pytest.raises(ValueError, match='step_size must be positive, got 0'):
        StepLR(optimizer, step_size=0)
