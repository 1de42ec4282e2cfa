"""Test-wide fixtures: global state reset around every test; running code on two gloo ranks."""
from __future__ import annotations

import datetime
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

from mmlightning.registry import DefaultScope


def _clear_global_instances() -> None:
    """Forget the named instances of ours, and of MMEngine's when a reference test loaded it."""
    from mmlightning.logging import MessageHub, MMLogger
    from mmlightning.visualization import Visualizer

    managers = [DefaultScope, MessageHub, MMLogger, Visualizer]
    if 'mmengine' in sys.modules:
        import mmengine.logging
        import mmengine.registry
        import mmengine.visualization

        managers += [mmengine.registry.DefaultScope, mmengine.logging.MessageHub,
                     mmengine.logging.MMLogger, mmengine.visualization.Visualizer]
    for manager in managers:
        for instance in manager._instance_dict.values():
            for handler in list(getattr(instance, 'handlers', [])):
                instance.removeHandler(handler)
                handler.close()
        manager._instance_dict.clear()


@pytest.fixture(autouse=True)
def reset_global_instances() -> Iterator[None]:
    """The ManagerMixin classes hold process-wide instances: none leak across tests."""
    _clear_global_instances()
    yield
    _clear_global_instances()


def _rank_main(rank: int, func: Callable[[int, Path], Any], workdir: str) -> None:
    torch.set_num_threads(1)
    os.environ.update(RANK=str(rank), WORLD_SIZE='2', LOCAL_RANK=str(rank))
    # a mismatched collective fails after 30 s instead of hanging the test run
    torch_dist.init_process_group('gloo', init_method=f'file://{workdir}/init', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=30))
    try:
        result = func(rank, Path(workdir))
        with open(f'{workdir}/result_{rank}.pkl', 'wb') as f:
            pickle.dump(result, f)
    finally:
        torch_dist.destroy_process_group()


@pytest.fixture
def run_two_ranks(tmp_path: Path) -> Callable[[Callable[[int, Path], Any]], list[Any]]:
    """Return ``run(func)``: ``func(rank, workdir)`` runs on ranks 0 and 1; returns both results.

    The processes are forked (torch is already imported, so they start at once);
    ``func`` must be a module-level function of the test file.
    """

    def run(func: Callable[[int, Path], Any]) -> list[Any]:
        mp.start_processes(_rank_main, args=(func, str(tmp_path)), nprocs=2, start_method='fork')
        return [pickle.loads((tmp_path / f'result_{r}.pkl').read_bytes()) for r in range(2)]

    return run
