"""The MMEngine loop objects of a Lightning run: ``runner.train_loop``, ``val_loop``, ``test_loop``.

Lightning iterates the data, yet hooks and custom loops expect MMEngine's loop
objects (``isinstance(runner.train_loop, IterBasedTrainLoop)``, a subclass's own
attributes, ``runner.val_loop.evaluator``). :class:`LoopObjects` builds them from
``train_cfg``/``val_cfg``/``test_cfg`` with the run's ``RunnerView`` as their
``runner``, once the dataloader they are built on exists, and again when it
changes. A validation or test loop that runs itself (see
:func:`~mmlightning.lightning.loop_classes.runs_itself`) is run by
:mod:`~mmlightning.lightning.custom_evaluation` in place of Lightning's loop.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .loop_classes import builtin_base, eval_loop_class, runs_itself
from .train_loop_spec import TrainLoopSpec


@dataclass
class EvalLoopSpec:
    """A ``val_cfg``/``test_cfg``: the loop class and its other constructor arguments.

    Attributes:
        stage: ``'val'`` or ``'test'``.
        loop_cls: The loop class (``type``, by default ``ValLoop``/``TestLoop``).
        kwargs: The constructor arguments besides ``runner``, ``dataloader`` and
            ``evaluator`` (``fp16``, a subclass's own).
        runs_itself: Whether the loop's own ``run`` replaces Lightning's evaluation loop.
    """

    stage: str
    loop_cls: type
    kwargs: dict[str, Any] = field(default_factory=dict)
    runs_itself: bool = False

    @classmethod
    def from_cfg(cls, cfg: Mapping[str, Any] | None, stage: str) -> EvalLoopSpec:
        """Read ``val_cfg`` (``stage='val'``) or ``test_cfg``.

        Raises:
            KeyError: If ``type`` is not registered.
            TypeError: If the class does not take the config's arguments.
        """
        loop_cls = eval_loop_class(cfg, stage)
        kwargs = {key: value for key, value in dict(cfg or {}).items() if key != 'type'}
        _check_arguments(loop_cls, f'{stage}_cfg', kwargs,
                         dict(runner=None, dataloader=None, evaluator=None))
        return cls(stage, loop_cls, kwargs, runs_itself(loop_cls))


def _check_arguments(loop_cls: type, key: str, kwargs: Mapping[str, Any],
                     given: Mapping[str, Any]) -> None:
    """Refuse arguments ``loop_cls`` cannot take, at build time rather than mid-run."""
    try:
        signature = inspect.signature(loop_cls)
    except (TypeError, ValueError):
        return
    parameters = signature.parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return
    arguments = {**{k: v for k, v in given.items() if k in parameters}, **kwargs}
    try:
        signature.bind(**arguments)
    except TypeError as error:
        valid = [name for name in parameters if name not in given]
        raise TypeError(f'{key}: {loop_cls.__name__} does not take these arguments ({error}); '
                        f'its own parameters: {valid}') from None


def build_loop(stage: str, loop: Any, runner: Any, dataloader: Any, evaluator: Any = None) -> Any:
    """MMEngine's ``Runner.build_train_loop``/``build_val_loop``/``build_test_loop``.

    Args:
        stage: ``'train'``, ``'val'`` or ``'test'``.
        loop: A built loop (returned as it is) or its config (``train_cfg``, ...).
        runner: The loop's ``runner``.
        dataloader: Its dataloader (or dataloader config).
        evaluator: Its evaluator (validation and test).

    Raises:
        TypeError: If ``loop`` is neither a loop nor a dict, or the class cannot
            run under Lightning (see :mod:`~mmlightning.lightning.loop_classes`).
    """
    if not isinstance(loop, Mapping):
        if callable(getattr(loop, 'run', None)) and hasattr(loop, 'dataloader'):
            return loop
        raise TypeError(f'{stage}_loop should be a Loop object or dict, but got {loop}')
    if stage == 'train':
        spec = TrainLoopSpec.from_cfg(loop)
        return spec.loop_cls(runner=runner, dataloader=dataloader, **spec.loop_arguments())
    eval_spec = EvalLoopSpec.from_cfg(loop, stage)
    return eval_spec.loop_cls(runner=runner, dataloader=dataloader, evaluator=evaluator,
                              **eval_spec.kwargs)


class LoopObjects:
    """Builds and keeps the loop objects of a module's run.

    Args:
        train: The ``train_cfg`` schedule, or ``None``.
        val_cfg: ``val_cfg``.
        test_cfg: ``test_cfg``.
        evaluator_cfgs: ``val_evaluator``/``test_evaluator`` configs by stage: a loop
            class of MMEngine's (an OpenMMLab package's) gets the config, which it
            builds with ``runner.build_evaluator``, as its constructor refuses
            any ``Evaluator`` but MMEngine's.
    """

    def __init__(self, train: TrainLoopSpec | None, val_cfg: Mapping[str, Any] | None,
                 test_cfg: Mapping[str, Any] | None,
                 evaluator_cfgs: Mapping[str, Any] | None = None) -> None:
        self.train_spec = train
        self.eval_specs = dict(val=EvalLoopSpec.from_cfg(val_cfg, 'val'),
                               test=EvalLoopSpec.from_cfg(test_cfg, 'test'))
        self._evaluator_cfgs = dict(evaluator_cfgs or {})
        self._built: dict[str, tuple[Any, Any]] = {}

    def get(self, stage: str) -> Any:
        """The loop object last built for ``stage`` (``'train'``/``'val'``/``'test'``) or None."""
        built = self._built.get(stage)
        return built[1] if built is not None else None

    def runs_itself(self, stage: str) -> bool:
        """Whether the ``stage`` loop replaces Lightning's evaluation loop."""
        return self.eval_specs[stage].runs_itself

    def train(self, runner: Any, dataloader: Any) -> Any:
        """``runner.train_loop``: the ``train_cfg`` loop on ``dataloader`` (``None`` without
        a ``train_cfg`` or a dataloader)."""
        spec = self.train_spec
        if spec is None or dataloader is None:
            return None
        return self._build('train', dataloader, lambda: spec.loop_cls(
            runner=runner, dataloader=dataloader, **spec.loop_arguments()))

    def evaluation(self, stage: str, runner: Any, dataloader: Any, evaluator: Any) -> Any:
        """``runner.val_loop``/``test_loop``: the loop on ``dataloader`` with ``evaluator``.

        A loop on Lightning's evaluation loop needs an evaluator to be built
        (``None`` without one, as without a dataloader); one that runs itself
        gets whatever is there.
        """
        spec = self.eval_specs[stage]
        if dataloader is None or (evaluator is None and not spec.runs_itself):
            return None
        base = builtin_base(spec.loop_cls, ('ValLoop', 'TestLoop'))
        cfg = self._evaluator_cfgs.get(stage)
        if base is not None and base.__module__.startswith('mmengine.') and \
                isinstance(cfg, (Mapping, list)):
            evaluator = cfg
        return self._build(stage, dataloader, lambda: spec.loop_cls(
            runner=runner, dataloader=dataloader, evaluator=evaluator, **spec.kwargs))

    def _build(self, stage: str, dataloader: Any, build: Any) -> Any:
        built = self._built.get(stage)
        if built is None or built[0] is not dataloader:
            self._built[stage] = (dataloader, build())
        return self._built[stage][1]
