"""Run a validation or test loop's own ``run()`` in place of Lightning's evaluation loop.

A ``val_cfg``/``test_cfg`` loop that iterates in its own way (mmdet's
``TeacherStudentValLoop`` evaluates the model twice) cannot run as Lightning's
``validation_step``. :func:`run_custom_loops` replaces ``run`` on the Trainer's
evaluation loop instances (the fit loop's validation, ``validate``, ``test``), as
:mod:`~mmlightning.lightning.validation_schedule` replaces a method of the
training loop: when the module being run has such a loop, the replacement
sets the data up, calls the Lightning callbacks' start and end points (the
``HookDispatcher`` leaves the MMEngine hooks to the loop, which calls them),
runs the loop's ``run()`` under the precision plugin, and logs the metrics it
returns as the module logs the evaluator's: to the Lightning loggers,
``trainer.callback_metrics`` and what ``trainer.validate``/``test`` return.
Any other module gets Lightning's own ``run``.
"""
from __future__ import annotations

import functools
from typing import Any

from lightning.pytorch import Trainer
from lightning.pytorch.loops.utilities import _no_grad_context

_MARK = '_mmlightning_runs_custom_loops'


def run_custom_loops(trainer: Trainer) -> None:
    """Let the evaluation loops of ``trainer`` run a module's own validation/test loop.

    Idempotent; the loops behave as Lightning's for modules without one.
    """
    for loop, stage in ((trainer.fit_loop.epoch_loop.val_loop, 'val'),
                        (trainer.validate_loop, 'val'), (trainer.test_loop, 'test')):
        if getattr(loop, _MARK, False):
            continue
        lightning_run = loop.run
        loop.run = functools.partial(_run, loop, stage, lightning_run)
        setattr(loop, _MARK, True)


def _run(loop: Any, stage: str, lightning_run: Any) -> Any:
    module = loop.trainer.lightning_module
    runs_itself = getattr(module, 'runs_own_loop', None)
    if not callable(runs_itself) or not runs_itself(stage):
        return lightning_run()
    return _no_grad_context(_run_own_loop)(loop, module, stage)


def _run_own_loop(loop: Any, module: Any, stage: str) -> list[dict[str, float]]:
    trainer = loop.trainer
    loop.setup_data()
    if loop.skip or trainer.sanity_checking:  # MMEngine has no sanity check to take part in
        return []
    loop._logged_outputs = []
    loop.batch_progress.reset_on_run()
    own_loop = module.own_loop(stage)
    module.running_own_loop = stage
    try:
        loop.on_run_start()  # eval mode; callbacks' and module's on_{stage}_start, epoch start
        context = (trainer.precision_plugin.val_step_context() if stage == 'val'
                   else trainer.precision_plugin.test_step_context())
        with context:
            metrics = own_loop.run()
        module.take_own_loop_metrics(stage, metrics)
        loop._has_run = True
        loop._store_dataloader_outputs()
        return loop.on_run_end()  # logs the metrics (module's epoch end), callbacks' end points
    finally:
        module.running_own_loop = None
