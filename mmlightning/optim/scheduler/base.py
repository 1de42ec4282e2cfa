"""``_ParamScheduler``: the base of every parameter scheduler (MMEngine semantics).

A scheduler changes one hyper-parameter (``lr``, ``momentum``, ...) of every
``param_group`` of an optimizer in *chainable* form: each step computes the new
value from the value currently in the group, so several schedulers on one
optimizer compose. A scheduler only acts while ``begin <= global step < end``.
"""
from __future__ import annotations

import inspect
import logging
import warnings
import weakref
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from torch.optim import Optimizer

from mmlightning.utils.errors import ReadableKeyError
from mmlightning.utils.suggestions import did_you_mean

from .._errors import AssertValueError

INF = int(1e9)

#: A ``torch.optim.Optimizer`` or an ``OptimWrapper`` (anything exposing ``param_groups``).
OptimizerType = Any

logger = logging.getLogger(__name__)

_STEP_ORDER_DOC = 'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate'


def check_optimizer(optimizer: Any, owner: str) -> None:
    """Raise unless ``optimizer`` is an Optimizer or exposes a list of ``param_groups`` dicts.

    Raises:
        TypeError: If ``optimizer`` has no usable ``param_groups``.
    """
    if isinstance(optimizer, Optimizer):
        return
    groups = getattr(optimizer, 'param_groups', None)
    if isinstance(groups, (list, tuple)) and all(isinstance(g, Mapping) for g in groups):
        return
    raise TypeError(
        f'{owner}: ``optimizer`` should be an Optimizer or an OptimWrapper (anything with a '
        f'`param_groups` list of dicts), but got {type(optimizer).__name__}. Build the '
        'optimizer first and pass it (or its OptimWrapper) as the first argument.')


def check_param_name(optimizer: Any, param_name: str, owner: str) -> None:
    """Raise unless every param group of ``optimizer`` holds ``param_name``.

    Raises:
        KeyError: Naming the group, its keys and a close match.
    """
    if not isinstance(param_name, str):
        raise TypeError(f'{owner}: param_name must be a str such as "lr", got {param_name!r}')
    for index, group in enumerate(optimizer.param_groups):
        if param_name not in group:
            keys = [key for key in group if key != 'params']
            raise ReadableKeyError(
                f'{owner}: param_name={param_name!r} is not a key of param_groups[{index}] '
                f'(its keys: {", ".join(keys)}).{did_you_mean(param_name, keys)}')


def _with_counter(method: Callable) -> Callable:
    """Wrap a bound ``step`` so each call increments ``instance._global_step``.

    Used to warn when ``scheduler.step()`` runs before ``optimizer.step()``
    (pytorch/pytorch#20124). A weak reference avoids a reference cycle.
    """
    if getattr(method, '_with_counter', False):
        return method
    instance_ref = weakref.ref(method.__self__)
    func = method.__func__
    cls = type(method.__self__)

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        instance = instance_ref()
        instance._global_step += 1
        return func.__get__(instance, cls)(*args, **kwargs)

    wrapper._with_counter = True  # type: ignore[attr-defined]
    return wrapper


def signature_without_param_name(cls: type) -> inspect.Signature | None:
    """Signature of the generic scheduler ``cls`` wraps, minus ``param_name``.

    The LR and momentum mixins fix ``param_name``; this keeps ``inspect.signature``
    (and so the registry's bad-argument messages) accurate for their classes.
    """
    if '__init__' in vars(cls):
        return None
    for base in cls.__mro__[1:]:
        if '__init__' in vars(base) and issubclass(base, _ParamScheduler):
            signature = inspect.signature(base.__init__)
            params = [p for name, p in signature.parameters.items()
                      if name not in ('self', 'param_name')]
            return signature.replace(parameters=params)
    return None


class _ParamScheduler:
    """Base class for parameter schedulers.

    Subclasses implement :meth:`_get_value` (chainable form). The constructor
    records ``initial_<param_name>`` in each group (unless already there) and
    calls :meth:`step` once, applying global step 0.

    Args:
        optimizer: A ``torch.optim.Optimizer`` or an ``OptimWrapper``.
        param_name: The group key to schedule, such as ``'lr'`` or ``'momentum'``.
        begin: Step at which to start updating the parameter. Defaults to 0.
        end: Step at which to stop updating the parameter. Defaults to INF.
        last_step: Index of the last step; ``-1`` means never stepped. Any
            other value needs ``initial_<param_name>`` in every group.
        by_epoch: Whether the scheduler is stepped per epoch. Defaults to True.
        verbose: Whether to log the value at each update. Defaults to False.

    Raises:
        TypeError: If ``optimizer`` has no ``param_groups``.
        KeyError: If ``param_name`` (or ``initial_<param_name>`` when
            resuming) is missing from a group.
        ValueError: If ``end <= begin`` or ``last_step`` is not an int >= -1 (that
            one also an ``AssertionError``, as MMEngine asserts it).
    """

    #: Constructor arguments counted in steps; ``build_iter_from_epoch`` scales them.
    _step_args: tuple[str, ...] = ()

    def __init__(self, optimizer: OptimizerType, param_name: str, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        self._attach(optimizer, param_name, begin, end, by_epoch, last_step)
        self.base_values = [group[f'initial_{param_name}'] for group in optimizer.param_groups]
        self.last_step = last_step
        step = getattr(optimizer, 'step', None)
        if inspect.ismethod(step) or getattr(step, '_with_counter', False):
            self.optimizer.step = _with_counter(step)
            self.optimizer._global_step = -1
        self._global_step = -1
        self.verbose = verbose
        self.step()

    def _attach(self, optimizer: OptimizerType, param_name: str, begin: int, end: int,
                by_epoch: bool, last_step: int) -> None:
        """Validate the common arguments, attach them and record initial values."""
        owner = type(self).__name__
        check_optimizer(optimizer, owner)
        check_param_name(optimizer, param_name, owner)
        if end <= begin:
            raise ValueError(f'{owner}: end should be larger than begin, got begin={begin}, '
                             f'end={end}. Set end to the first step the scheduler stops at.')
        if not isinstance(last_step, int) or last_step < -1:
            raise AssertValueError(f'{owner}: last_step must be an int >= -1, got {last_step!r}')
        self.optimizer = optimizer
        self.param_name = param_name
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        key = f'initial_{param_name}'
        for index, group in enumerate(optimizer.param_groups):
            if last_step == -1:
                group.setdefault(key, group[param_name])
            elif key not in group:
                raise ReadableKeyError(
                    f"{owner}: param '{key}' is not specified in param_groups[{index}] when "
                    f'resuming with last_step={last_step}; load the optimizer state first or '
                    'use last_step=-1.')

    @classmethod
    def build_iter_from_epoch(cls, *args: Any, begin: int = 0, end: int = INF,
                              by_epoch: bool = True, epoch_length: int | None = None,
                              **kwargs: Any) -> _ParamScheduler:
        """Build an iteration-based scheduler from an epoch-based config.

        ``begin``, ``end`` and the step-counted arguments of the class
        (``step_size``, ``milestones``, ``T_max``, ``total_steps``, ``periods``)
        are multiplied by ``epoch_length``.

        Args:
            *args: Positional arguments of the constructor (the optimizer).
            begin: Epoch at which to start.
            end: Epoch at which to stop.
            by_epoch: Must be True: the config being converted is epoch-based.
            epoch_length: Iterations per epoch (a positive number).
            **kwargs: The other constructor arguments.

        Returns:
            A scheduler with ``by_epoch=False``.

        Raises:
            ValueError: If ``by_epoch`` is False or ``epoch_length`` is not positive
                (also an ``AssertionError``).
        """
        if not by_epoch:
            raise AssertValueError(
                f'{cls.__name__}: Only epoch-based kwargs whose `by_epoch=True` can be converted '
                'to iter-based. Drop convert_to_iter_based for this scheduler.')
        if epoch_length is None or epoch_length <= 0:
            raise AssertValueError(f'{cls.__name__}: `epoch_length` must be a positive integer, '
                                   f'but got {epoch_length!r}.')
        for name in cls._step_args:
            value = kwargs.get(name)
            if isinstance(value, (list, tuple)):
                kwargs[name] = [item * epoch_length for item in value]
            elif value is not None:
                kwargs[name] = value * epoch_length
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        return cls(*args, begin=begin, end=end, by_epoch=False, **kwargs)

    def state_dict(self) -> dict[str, Any]:
        """Return every attribute except the optimizer.

        Returns:
            The scheduler state.
        """
        return {key: value for key, value in self.__dict__.items() if key != 'optimizer'}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by :meth:`state_dict` (it overrides the constructor's).

        Args:
            state_dict: The scheduler state.
        """
        self.__dict__.update(state_dict)

    def get_last_value(self) -> list[Any]:
        """Return the last computed value of each param group.

        Returns:
            One value per group of ``optimizer.param_groups``.
        """
        return self._last_value

    def _current_values(self) -> list[Any]:
        return [group[self.param_name] for group in self.optimizer.param_groups]

    def _get_value(self) -> list[Any]:
        """Compute the values of the current step in chainable form."""
        raise NotImplementedError(f'{type(self).__name__} must implement _get_value()')

    def print_value(self, is_verbose: bool, group: int, value: float) -> None:
        """Log the value of a param group when ``is_verbose``.

        Args:
            is_verbose: Whether to log.
            group: Index of the param group.
            value: The new value.
        """
        if is_verbose:
            logger.info('Adjusting parameter value of group %d to %.4e.', group, value)

    def _warn_if_stepped_before_optimizer(self) -> None:
        step = getattr(self.optimizer, 'step', None)
        if step is None:
            return
        if not hasattr(step, '_with_counter'):
            warnings.warn(
                'Seems like `optimizer.step()` has been overridden after parameter value '
                'scheduler initialization. Please, make sure to call `optimizer.step()` '
                f'before `scheduler.step()`. See more details at {_STEP_ORDER_DOC}',
                UserWarning, stacklevel=3)
        elif getattr(self.optimizer, '_global_step', 0) < 0:
            warnings.warn(
                'Detected call of `scheduler.step()` before `optimizer.step()`. Call them in '
                'the opposite order: `optimizer.step()` before `scheduler.step()`, or the first '
                f'value of the schedule is skipped. See more details at {_STEP_ORDER_DOC}',
                UserWarning, stacklevel=3)

    def step(self) -> None:
        """Advance one step and, inside ``[begin, end)``, update each param group."""
        if self._global_step == 0:
            self._warn_if_stepped_before_optimizer()
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            values = self._get_value()
            for index, (group, value) in enumerate(zip(self.optimizer.param_groups, values)):
                group[self.param_name] = value
                self.print_value(self.verbose, index, value)
        self._last_value = self._current_values()
