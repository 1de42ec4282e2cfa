"""Per-submodule statistics of a model, computed over a TorchScript trace of its forward.

The model is traced once with ``torch.jit``; forward hooks push each submodule's name as a scope,
so every traced operator knows which modules were running when it ran. Each operator kind with a
handle (see :mod:`mmlightning.analysis.jit_handles`) contributes its count to those modules. The
semantics are fvcore's, as MMEngine adopted them: an operator belongs to a module when that
module's ``__call__`` ran it (an explicit ``module.forward(...)`` or another method does not count).
"""
from __future__ import annotations

import logging
import typing
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Number
from typing import Any, TypeVar

import numpy as np
import torch
from torch import Tensor, nn
from torch.jit import TracerWarning

from mmlightning.logging import print_log

from .jit_handles import Handle

AnalysisT = TypeVar('AnalysisT', bound='JitModelAnalysis')

# Operators that cost nothing worth counting: shapes, integers, copies. Unsupported operators
# outside this set are reported, these are skipped silently.
_IGNORED_OPS: frozenset[str] = frozenset(f'aten::{name}' for name in (
    'Int', 'ScalarImplicit', '__and__', 'arange', 'bitwise_not', 'cat', 'chunk', 'clamp',
    'clamp_', 'constant_pad_nd', 'contiguous', 'copy_', 'detach', 'dropout', 'empty', 'eq',
    'expand', 'flatten', 'floor', 'floor_divide', 'full', 'full_like', 'gather', 'ge', 'gt',
    'index', 'index_put_', 'masked_fill', 'max', 'narrow', 'new_empty', 'new_full', 'new_zeros',
    'nonzero', 'ones', 'permute', 'relu', 'relu_', 'remainder', 'reshape', 'roll', 'select',
    'size', 'slice', 'split', 'split_with_sizes', 'squeeze', 'stack', 't', 'to', 'transpose',
    'type_as', 'unbind', 'unsqueeze', 'unsqueeze_', 'view', 'zeros', 'zeros_like'))

# Module classes whose forward is not meant to be called (containers) or runs no operator.
_FORWARDLESS_MODULES = (nn.ModuleList, nn.ModuleDict, nn.Module, nn.Identity)

_TRACER_WARNING_MODES = ('all', 'no_tracer_warning', 'none')
_ANCESTOR_MODES = ('owner', 'caller')


@dataclass
class Statistics:
    """What one analysis found, keyed by canonical module name.

    Attributes:
        counts: Per module, the statistic of each operator name.
        unsupported_ops: Per module, how often each operator without a handle ran.
        uncalled_mods: Modules whose ``__call__`` never ran during the trace.
    """

    counts: dict[str, typing.Counter[str]]
    unsupported_ops: dict[str, typing.Counter[str]]
    uncalled_mods: set[str]


def _named_modules_with_dup(model: nn.Module, prefix: str = '') -> Iterator[tuple[str, nn.Module]]:
    """``model.named_modules()``, but a module reachable by several names appears per name."""
    yield prefix, model
    for name, module in model._modules.items():
        if module is not None:
            yield from _named_modules_with_dup(module, f'{prefix}.{name}' if prefix else name)


def _named_modules_without_dup(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """Each module once, under the first name it is reached by."""
    seen: set[int] = set()
    for name, module in _named_modules_with_dup(model):
        if id(module) not in seen:
            seen.add(id(module))
            yield name, module


class _ScopePush:
    """Forward pre-hook: while tracing, enter the scope of the module's name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, module: nn.Module, inputs: Any) -> Any:
        tracing_state = torch._C._get_tracing_state()
        if tracing_state:
            tracing_state.push_scope(self.name)
        return inputs


def _scope_pop(module: nn.Module, inputs: Any, outputs: Any) -> Any:
    """Forward hook: while tracing, leave the module's scope."""
    tracing_state = torch._C._get_tracing_state()
    if tracing_state:
        tracing_state.pop_scope()
    return outputs


def _get_scoped_trace_graph(module: nn.Module, inputs: Tensor | tuple[Tensor, ...],
                            aliases: dict[nn.Module | str, str]) -> torch._C.Graph:
    """Trace ``module(*inputs)`` with every submodule's canonical name as its node scopes.

    Args:
        module: The model; a ``DataParallel``/``DistributedDataParallel`` wrapper is traced
            through, its own name given to the wrapped module.
        inputs: The forward's inputs.
        aliases: Module or module name -> canonical name.

    Returns:
        The inlined graph; ``node.scopeName()`` reads like ``'layer1/layer1.conv'``.
    """
    handles = []

    def add_scope_hooks(target: nn.Module, name: str) -> None:
        handles.append(target.register_forward_pre_hook(_ScopePush(name)))
        handles.append(target.register_forward_hook(_scope_pop))

    if isinstance(module, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        root_name = aliases[module]
        module = module.module
        add_scope_hooks(module, root_name)
    for _, submodule in _named_modules_without_dup(module):
        add_scope_hooks(submodule, aliases[submodule])
    try:
        graph, _ = torch.jit._get_trace_graph(module, inputs)
    finally:
        for handle in handles:
            handle.remove()
    return graph


class JitModelAnalysis:
    """Per-submodule statistics of a model, from a trace of ``model(*inputs)``.

    A statistic is computed per operator by the handles set with :meth:`set_op_handle` and summed
    over modules; the result for any submodule is available by name (``''`` is the whole model,
    descendants are named ``'child.grandchild'``). The trace runs lazily, when a statistic is first
    asked for, and again after the handles change.

    An operator counts towards a module when calling that module ran it; operators run by other
    methods of a module, or by an explicit ``module.forward(...)``, count towards the caller.
    Inputs must be what ``torch.jit.trace`` accepts (tensors or tuples of tensors); wrap other
    forwards in a module.

    Args:
        model: The model to analyse.
        inputs: The inputs of its forward.
    """

    def __init__(self, model: nn.Module, inputs: Tensor | tuple[Tensor, ...]) -> None:
        self._model = model
        self._inputs = inputs
        self._op_handles: dict[str, Handle] = {}
        self._named_modules: dict[str, nn.Module] = dict(_named_modules_with_dup(model))
        self._aliases: dict[nn.Module | str, str] = self._get_aliases(model)
        self._stats: Statistics | None = None
        self._ignored_ops: set[str] = set(_IGNORED_OPS)
        self.unsupported_ops_warnings(True)
        self.uncalled_modules_warnings(True)
        self.tracer_warnings('no_tracer_warning')
        self.ancestor_mode('owner')

    # -- results ------------------------------------------------------------------------------

    def total(self, module_name: str = '') -> int:
        """The statistic summed over all operators of a module (default: the whole model)."""
        return sum(self.by_operator(module_name).values())

    def by_operator(self, module_name: str = '') -> typing.Counter[str]:
        """The statistic of a module (default: the whole model) per operator name."""
        stats = self._analyze()
        return stats.counts[self.canonical_module_name(module_name)]

    def by_module_and_operator(self) -> dict[str, typing.Counter[str]]:
        """The statistic per module, then per operator name."""
        return self._analyze().counts

    def by_module(self) -> typing.Counter[str]:
        """The statistic per module, summed over operators."""
        return Counter({module: sum(counts.values())
                        for module, counts in self._analyze().counts.items()})

    def unsupported_ops(self, module_name: str = '') -> typing.Counter[str]:
        """How often each operator without a handle (and not ignored) ran in a module.

        Raises:
            RuntimeError: When no statistic was computed yet.
        """
        if self._stats is None:
            raise RuntimeError('Analysis results should be computed '
                               'before calling unsupported_ops()')
        return self._stats.unsupported_ops[self.canonical_module_name(module_name)]

    def uncalled_modules(self) -> set[str]:
        """Submodules whose ``__call__`` never ran during the trace.

        They were unused, or reached through ``.forward()`` or other methods; in the latter case
        their operators count towards the calling module.
        """
        return self._analyze().uncalled_mods

    # -- settings -----------------------------------------------------------------------------

    def set_op_handle(self: AnalysisT, *args: Any, **kwargs: Handle | None) -> AnalysisT:
        """Add or replace operator handles; a handle of None ignores the operator.

        Args:
            args: Alternating operator names and handles.
            kwargs: Operator name -> handle.

        Returns:
            This analysis, for chaining.

        Example:
            >>> analysis.set_op_handle('aten::matmul', None, 'aten::bmm', bmm_handle)
        """
        if len(args) % 2 != 0:
            raise TypeError('set_op_handle should be called with pairs of names and handles! '
                            f'Got {len(args)} positional arguments.')
        self._stats = None
        handles = dict(zip(args[::2], args[1::2]))
        handles.update(kwargs)
        for name, handle in handles.items():
            if handle is None:
                self._ignored_ops.add(name)
            else:
                self._op_handles[name] = handle
        return self

    def clear_op_handles(self: AnalysisT) -> AnalysisT:
        """Remove every handle and restore the default ignored operators."""
        self._op_handles = {}
        self._ignored_ops = set(_IGNORED_OPS)
        self._stats = None
        return self

    def canonical_module_name(self, name: str) -> str:
        """The name statistics are filed under for a module (shared modules have several names).

        Raises:
            TypeError: When ``name`` is no string (a module object is not accepted).
            KeyError: When no descendant of the model has this name.
        """
        if not isinstance(name, str):
            raise TypeError(f'Module name must be a string, got {type(name).__name__}.')
        if name not in self._aliases:
            raise KeyError(f'Requested module name {name!r} is not among the descendants of the '
                           'analyzed model.')
        return self._aliases[name]

    def copy(self, new_model: nn.Module | None = None,
             new_inputs: Tensor | tuple[Tensor, ...] | None = None) -> JitModelAnalysis:
        """A new analysis with these settings, on another model or other inputs.

        Args:
            new_model: The model of the copy; this one's when None.
            new_inputs: The inputs of the copy; this one's when None.
        """
        model = self._model if new_model is None else new_model
        inputs = self._inputs if new_inputs is None else new_inputs
        return (JitModelAnalysis(model=model, inputs=inputs)
                .set_op_handle(**self._op_handles)
                .unsupported_ops_warnings(self._enable_warn_unsupported_ops)
                .uncalled_modules_warnings(self._enable_warn_uncalled_mods)
                .tracer_warnings(self._warn_trace))

    def tracer_warnings(self: AnalysisT, mode: str) -> AnalysisT:
        """Choose which warnings raised while tracing are shown.

        Args:
            mode: ``'all'``; ``'no_tracer_warning'`` (the default) hides ``TracerWarning`` only;
                ``'none'`` hides every warning.
        """
        if mode not in _TRACER_WARNING_MODES:
            raise ValueError(f'Unrecognized tracer warning mode {mode}; '
                             f'use one of {_TRACER_WARNING_MODES}.')
        self._warn_trace = mode
        return self

    def ancestor_mode(self: AnalysisT, mode: str) -> AnalysisT:
        """Choose which modules an operator counts towards.

        Args:
            mode: ``'owner'`` (the default): the innermost running module and its parents by
                ownership (one owner for a shared module); ``'caller'``: every module whose
                forward is running. Totals are the same; only shared or borrowed modules differ.
        """
        if mode not in _ANCESTOR_MODES:
            raise ValueError(f'Unrecognized ancestor mode: {mode}; use one of {_ANCESTOR_MODES}.')
        self._ancestor_mode = mode
        return self

    def unsupported_ops_warnings(self: AnalysisT, enabled: bool) -> AnalysisT:
        """Whether operators without a handle are logged (:meth:`unsupported_ops` always works)."""
        self._enable_warn_unsupported_ops = enabled
        return self

    def uncalled_modules_warnings(self: AnalysisT, enabled: bool) -> AnalysisT:
        """Whether uncalled submodules are logged (:meth:`uncalled_modules` always works)."""
        self._enable_warn_uncalled_mods = enabled
        return self

    # -- the analysis -------------------------------------------------------------------------

    def _analyze(self) -> Statistics:
        if self._stats is not None:
            return self._stats
        graph = self._trace()
        canonical_names = {self._aliases[module]
                           for _, module in _named_modules_with_dup(self._model)}
        counts: dict[str, typing.Counter[str]] = {name: Counter() for name in canonical_names}
        unsupported: dict[str, typing.Counter[str]] = {name: Counter()
                                                       for name in canonical_names}
        seen: set[str] = set()
        for node in graph.nodes():
            kind = node.kind()
            if kind == 'prim::PythonOp':  # an autograd.Function: its Python name tells which
                kind = f'{kind}.{node.pyname()}'
            scopes = node.scopeName().split('/')
            seen.update(scopes)
            ancestors = self._ancestors(scopes)
            seen.update(ancestors)
            if kind in self._op_handles:
                node_counts = self._count_node(kind, node)
                for name in ancestors:
                    counts[name] += node_counts
            elif not self._should_ignore_node(node):
                for name in ancestors:
                    unsupported[name][kind] += 1
        stats = Statistics(counts=counts, unsupported_ops=unsupported,
                           uncalled_mods=set(self._aliases.values()) - seen)
        self._stats = stats
        self._warn_unsupported_ops(unsupported[''])
        self._warn_uncalled_mods(stats.uncalled_mods)
        return stats

    def _trace(self) -> torch._C.Graph:
        with warnings.catch_warnings():
            if self._warn_trace == 'none':
                warnings.simplefilter('ignore')
            elif self._warn_trace == 'no_tracer_warning':
                warnings.filterwarnings('ignore', category=TracerWarning)
            return _get_scoped_trace_graph(self._model, self._inputs, self._aliases)

    def _ancestors(self, scopes: list[str]) -> set[str]:
        """The modules a node counts towards, from its scope chain ``'a/a.b/a.b.c'``."""
        if self._ancestor_mode == 'caller':
            return set(scopes)
        return self._get_all_ancestors(scopes[-1])

    def _count_node(self, kind: str, node: Any) -> typing.Counter[str]:
        result = self._op_handles[kind](list(node.inputs()), list(node.outputs()))
        if isinstance(result, Number):
            result = Counter({self._simplify_op_name(kind): result})
        for value in result.values():
            if not isinstance(value, (int, float, np.float64, np.int64)):
                raise ValueError(f'Invalid type {type(value)} for the flop count! '
                                 'Please use a wider type to avoid overflow.')
        return result

    def _get_aliases(self, model: nn.Module) -> dict[nn.Module | str, str]:
        """Module and every name of it -> the first name it is reached by."""
        aliases: dict[nn.Module | str, str] = {}
        for name, module in _named_modules_with_dup(model):
            aliases.setdefault(module, name)
            aliases[name] = aliases[module]
        return aliases

    def _get_all_ancestors(self, module_name: str) -> set[str]:
        """A module and its parents by ownership (through its canonical name), and ``''``."""
        parts = self.canonical_module_name(module_name).split('.')
        return {''} | {'.'.join(parts[:depth]) for depth in range(len(parts) + 1)}

    def _warn_unsupported_ops(self, ops: typing.Counter[str]) -> None:
        if not self._enable_warn_unsupported_ops:
            return
        for op, times in ops.items():
            print_log(f'Unsupported operator {op} encountered {times} time(s)', 'current',
                      logging.WARNING)

    def _warn_uncalled_mods(self, uncalled_mods: set[str]) -> None:
        if not self._enable_warn_uncalled_mods:
            return
        uncalled = sorted(name for name in uncalled_mods if self._has_forward(name))
        if uncalled:
            print_log(
                'The following submodules of the model were never called during the trace of '
                'the graph. They may be unused, or they were accessed by direct calls to '
                '.forward() or via other python methods. In the latter case they will have '
                'zeros for statistics, though their statistics will still contribute to their '
                'parent calling module.\n' + ', '.join(uncalled), 'current', logging.WARNING)

    @staticmethod
    def _simplify_op_name(full_op_name: str) -> str:
        """``'aten::batch_norm'`` -> ``'batch_norm'``."""
        return full_op_name.split('::', 1)[-1]

    def _has_forward(self, mod_name: str) -> bool:
        """Whether a module is meant to be called (containers and ``nn.Identity`` are not)."""
        module = self._named_modules.get(mod_name)
        if module is None:
            return False
        return all(type(module).forward is not kind.forward for kind in _FORWARDLESS_MODULES)

    def _should_ignore_node(self, node: Any) -> bool:
        """Ignored operators and ``prim::`` nodes, except Python and scripted function calls."""
        kind = node.kind()
        if kind in self._ignored_ops:
            return True
        if kind.startswith(('prim::PythonOp', 'prim::CallFunction')):
            return False
        return kind.startswith('prim::')
