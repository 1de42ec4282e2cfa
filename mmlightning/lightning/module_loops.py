"""The loop objects (``runner.train_loop``, a ``val_cfg`` loop with its own ``run``) of an
:class:`~mmlightning.lightning.module.MMLightningModule`'s run."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .loop_objects import LoopObjects


class LoopObjectsMixin:
    """The module's access to MMEngine's loop objects of its run (see :class:`LoopObjects`)."""

    loops: LoopObjects
    runner_view: Any
    trainer: Any
    val_evaluator: Any
    test_evaluator: Any
    last_val_metrics: dict[str, Any]
    last_test_metrics: dict[str, Any]

    def get_runner_view(self) -> Any:
        """The ``runner`` of the loop objects: the hooks' one, or a view of this run."""
        view = self.runner_view
        if view is None or view.trainer is not self.trainer:
            from .runner_view import RunnerView

            view = self.runner_view = RunnerView(self.trainer, self)
        return view

    def runs_own_loop(self, stage: str) -> bool:
        """Whether the ``stage`` (``'val'``/``'test'``) loop runs itself, not Lightning's."""
        return self.loops.runs_itself(stage)

    def own_loop(self, stage: str) -> Any:
        """The ``stage`` loop object on the Trainer's dataloader (built on first use).

        Raises:
            RuntimeError: If the Trainer has no dataloader for ``stage``.
        """
        loaders = self.trainer.val_dataloaders if stage == 'val' else self.trainer.test_dataloaders
        loader = loaders[0] if isinstance(loaders, (list, tuple)) and loaders else loaders
        loop = self.loops.evaluation(stage, self.get_runner_view(), loader,
                                     self.val_evaluator if stage == 'val' else self.test_evaluator)
        if loop is None:
            raise RuntimeError(f'{stage}_cfg.type needs a {stage}_dataloader to run')
        return loop

    def take_own_loop_metrics(self, stage: str, metrics: Any) -> None:
        """The metrics a loop's own ``run()`` returned: what ``val()``/``test()`` return and
        what the epoch end logs."""
        metrics = dict(metrics) if isinstance(metrics, Mapping) else {}
        if stage == 'val':
            self.last_val_metrics = metrics
        else:
            self.last_test_metrics = metrics
