"""Fixtures of the scheduler tests: tiny optimizers, a driver and a closed-form check.

With ``--import-mode=importlib`` test modules cannot import a sibling helper
module, so the helpers are offered through the ``helpers`` fixture.
"""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import torch

BASE_LRS = (0.1, 0.05)


def sgd(momentum: float = 0.9) -> torch.optim.SGD:
    """SGD over two param groups with lr 0.1 and 0.05 (momentum 0.9 and 0.8)."""
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
    return torch.optim.SGD([{'params': [params[0]]},
                            {'params': [params[1]], 'lr': BASE_LRS[1], 'momentum': 0.8}],
                           lr=BASE_LRS[0], momentum=momentum)


def adam() -> torch.optim.Adam:
    """Adam over two param groups with betas (0.9, 0.999) and (0.8, 0.99)."""
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
    return torch.optim.Adam([{'params': [params[0]]},
                             {'params': [params[1]], 'betas': (0.8, 0.99)}],
                            lr=0.1, betas=(0.9, 0.999))


def values(optimizer: Any, key: str = 'lr') -> list[float]:
    return [group[key] for group in optimizer.param_groups]


def run(optimizer: Any, schedulers: list[Any], steps: int, key: str = 'lr') -> list[list[float]]:
    """Values at global steps 0..steps (the constructor applied step 0)."""
    trace = [values(optimizer, key)]
    for _ in range(steps):
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
        trace.append(values(optimizer, key))
    return trace


def assert_trace(trace: list[list[float]], expected: Callable[[int, float], float],
                 bases: tuple[float, ...] = BASE_LRS) -> None:
    """Each group's value at step ``t`` equals ``expected(t, base)`` within 1e-12."""
    for step, row in enumerate(trace):
        want = [expected(step, base) for base in bases]
        assert row == pytest.approx(want, rel=1e-12, abs=1e-15), f'step {step}'


@pytest.fixture
def helpers() -> SimpleNamespace:
    """``sgd``, ``adam``, ``values``, ``run``, ``assert_trace`` and ``BASE_LRS``."""
    return SimpleNamespace(sgd=sgd, adam=adam, values=values, run=run,
                           assert_trace=assert_trace, BASE_LRS=BASE_LRS)


@pytest.fixture
def optimizer() -> torch.optim.SGD:
    """SGD over two param groups: lr 0.1 / 0.05, momentum 0.9 / 0.8."""
    return sgd()
