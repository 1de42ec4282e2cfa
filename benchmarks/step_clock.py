"""Timing and sync counting for ``overhead.py``: a clock read in the forward, a sync counter."""
from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode


class SyncCounter(TorchFunctionMode):
    """Counts tensor calls that synchronise host and device, by caller, while ``active``."""

    NAMES = frozenset({'item', '__bool__', 'cpu', 'tolist', 'numpy', '__float__', '__int__',
                       '__index__', 'is_nonzero', 'equal', 'allclose'})

    def __init__(self) -> None:
        super().__init__()
        self.active = False
        self.sources: Counter[str] = Counter()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = getattr(func, '__name__', '')
        to_cpu = name == 'to' and _leaves_device(args, kwargs or {})
        if self.active and (name in self.NAMES or to_cpu):
            self.sources[f'{name} at {_caller()}'] += 1
        return func(*args, **(kwargs or {}))

    @property
    def total(self) -> int:
        """Calls counted."""
        return sum(self.sources.values())


def _leaves_device(args: Any, kwargs: dict[str, Any]) -> bool:
    """Whether a ``Tensor.to`` call copies a device tensor to the host."""
    source = args[0] if args else None
    targets = (*args[1:], *kwargs.values())
    return isinstance(source, torch.Tensor) and source.device.type != 'cpu' and any(
        str(target) == 'cpu' for target in targets)


def _caller() -> str:
    """``file:line`` of the innermost frame outside torch and this module."""
    torch_dir = str(Path(torch.__file__).parent)
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(torch_dir) and frame.filename != __file__:
            return f'{frame.filename}:{frame.lineno} ({frame.name})'
    return '<torch internals>'


@dataclass(frozen=True)
class Rate:
    """Iterations per second of one run, by wall clock and by this process's CPU time."""

    wall: float
    cpu: float

    def primary(self, device: torch.device) -> float:
        """CPU time on CPU (robust to other processes on the machine), wall clock on CUDA."""
        return self.cpu if device.type == 'cpu' else self.wall


@dataclass
class Clock:
    """Read in the forward: times iterations ``warmup`` to ``last`` and opens the sync window."""

    last: int
    warmup: int
    device: torch.device
    counter: Any = None  # anything with an ``active`` attribute, like SyncCounter
    ticks: list[tuple[float, float]] = field(default_factory=list)

    def tick(self) -> None:
        index = len(self.ticks)
        if index == self.last and self.counter is not None:
            self.counter.active = False
        if self.device.type == 'cuda' and index in (self.warmup, self.last):
            torch.cuda.synchronize(self.device)
        if index == self.warmup and self.counter is not None:
            self.counter.active = True
        self.ticks.append((time.perf_counter(), time.process_time()))

    def rate(self) -> Rate:
        """Iterations/s between the forwards of iterations ``warmup`` and ``last``."""
        if len(self.ticks) != self.last + 1:
            raise RuntimeError(f'expected {self.last + 1} iterations, the variant ran '
                               f'{len(self.ticks)}')
        (wall0, cpu0), (wall1, cpu1) = self.ticks[self.warmup], self.ticks[self.last]
        iters = self.last - self.warmup
        return Rate(wall=iters / (wall1 - wall0), cpu=iters / max(cpu1 - cpu0, 1e-9))


class Timed(nn.Module):
    """The workload's network, reading the clock at every forward."""

    def __init__(self, net: nn.Module, clock: Clock) -> None:
        super().__init__()
        self.net = net
        self.clock = clock

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        self.clock.tick()
        return self.net(inputs)
