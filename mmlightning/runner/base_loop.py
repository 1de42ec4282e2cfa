"""``BaseLoop``: what every MMEngine loop holds, its runner and its dataloader."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from typing import Any

from torch.utils.data import DataLoader


class BaseLoop(metaclass=ABCMeta):
    """Base class of the loops (MMEngine's ``mmengine.runner.BaseLoop``).

    Subclasses implement :meth:`run`. Under mmlightning the ``runner`` a loop
    receives is the :class:`~mmlightning.lightning.RunnerView` of the Lightning
    run (its ``model``, ``call_hook``, ``build_dataloader``, ...), or any object
    with MMEngine's ``Runner`` interface.

    Args:
        runner: The runner the loop belongs to.
        dataloader: A dataloader, or a dataloader config that the runner builds
            (``runner.build_dataloader(cfg, seed=runner.seed, diff_rank_seed=...)``,
            ``diff_rank_seed`` from the runner's ``randomness`` config).
    """

    def __init__(self, runner: Any, dataloader: DataLoader | Mapping[str, Any]) -> None:
        self._runner = runner
        if isinstance(dataloader, Mapping):
            randomness = getattr(runner, '_randomness_cfg', None) or {}
            self.dataloader = runner.build_dataloader(
                dataloader, seed=runner.seed,
                diff_rank_seed=randomness.get('diff_rank_seed', False))
        else:
            self.dataloader = dataloader

    @property
    def runner(self) -> Any:
        """The runner the loop belongs to."""
        return self._runner

    @abstractmethod
    def run(self) -> Any:
        """Execute the loop."""
