"""Printing a model's complexity: a per-module table, an annotated ``str(model)``, and
:func:`get_model_complexity_info`, the one call OpenMMLab tools use."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from rich import box
from rich.table import Table
from torch import nn

from mmlightning.utils import is_tuple_of

from .complexity_analysis import ActivationAnalyzer, FlopAnalyzer, parameter_count, render_table
from .statistics import (
    _fastforward,
    _fill_missing_statistics,
    _format_size,
    _group_by_module,
    _indicate_uncalled_modules,
    _pretty_statistics,
    _remove_zero_statistics,
)


def _model_stats_str(model: nn.Module, statistics: dict[str, dict[str, str]]) -> str:
    """``str(model)`` with each module's formatted statistics added to its line."""

    def indent_after_first_line(text: str, spaces: int) -> str:
        first, *rest = text.split('\n')
        return '\n'.join([first] + [' ' * spaces + line for line in rest])

    def module_repr(module: nn.Module, name: str) -> str:
        extra_lines = module.extra_repr().split('\n') if module.extra_repr() else []
        stats = ', '.join(f'{key}: {value}' for key, value in statistics.get(name, {}).items())
        if stats:
            extra_lines.extend(stats.split('\n'))
        child_lines = []
        for key, child in module._modules.items():
            child_repr = module_repr(child, f'{name}.{key}' if name else key)
            child_lines.append(f'({key}): ' + indent_after_first_line(child_repr, 2))
        lines = extra_lines + child_lines
        text = module._get_name() + '('
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        elif lines:
            text += '\n  ' + '\n  '.join(lines) + '\n'
        return text + ')'

    return module_repr(model, '')


def _get_input_sizes(iterable: Iterable[Any]) -> list[Any]:
    """The sizes of the tensors in a nested iterable, None for what holds no tensor."""
    sizes: list[Any] = []
    for item in iterable:
        if isinstance(item, torch.Tensor):
            sizes.append(list(item.size()))
        elif isinstance(item, Iterable):
            nested = _get_input_sizes(item)
            sizes.append(None if all(size is None for size in nested) else nested)
        else:
            sizes.append(None)
    return sizes


def _stats_table_format(statistics: dict[str, dict[str, str]], max_depth: int = 3,
                        stat_columns: list[str] | None = None) -> str:
    """Formatted statistics as an indented table, a module with one child folded into it.

    Args:
        statistics: ``{module: {statistic: text}}``.
        max_depth: The deepest submodule level listed.
        stat_columns: The order of the statistic columns; all statistics found when None.

    Returns:
        The table as text.
    """
    if stat_columns is None:
        stat_columns = list({name for stats in statistics.values() for name in stats})
    rows: list[list[str]] = []

    def row(name: str, stats: dict[str, str], level: int) -> list[str]:
        indent = ' ' * level
        return [indent + name] + [indent + stats[column] if column in stats else ''
                                  for column in stat_columns]

    root_name, root_stats = _fastforward('', statistics)
    rows.append(row(root_name or 'model', root_stats, 0))
    root_prefix = f'{root_name}.' if root_name else ''

    def add_rows(level: int, prefix: str) -> None:
        if level > max_depth:
            return
        for module in list(statistics):
            if module and module.count('.') == prefix.count('.') and module.startswith(prefix):
                module, stats = _fastforward(module, statistics)
                shown = module[len(root_prefix):] if root_prefix and module.startswith(
                    root_prefix) else module
                rows.append(row(shown, stats, level))
                add_rows(level + 1, module + '.')

    add_rows(1, root_prefix)
    table = Table(box=box.ASCII2)
    for header in ['module'] + stat_columns:
        table.add_column(header)
    for cells in rows:
        table.add_row(*cells)
    return render_table(table)


def _quiet(*analyses: FlopAnalyzer | ActivationAnalyzer | None) -> None:
    """Turn off an analysis' warnings: the printouts show what they would say."""
    for analysis in analyses:
        if analysis is not None:
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            analysis.tracer_warnings('none')


def complexity_stats_str(flops: FlopAnalyzer,
                         activations: ActivationAnalyzer | None = None) -> str:
    """``str(model)`` with the parameters and flops (and activations) of each submodule.

    Modules with zero parameters and flops show no statistic; modules never called show
    ``N/A`` (their operators, if any, are counted in the calling parent).

    Args:
        flops: The flop analysis of the model.
        activations: Its activation analysis, to add an ``#acts`` statistic.

    Returns:
        The annotated model representation.
    """
    model = flops._model
    _quiet(flops, activations)
    stats: dict[str, dict[str, int]] = {'#params': dict(parameter_count(model)),
                                        '#flops': flops.by_module()}
    uncalled = flops.uncalled_modules()
    if activations is not None:
        stats['#acts'] = activations.by_module()
        uncalled = uncalled | activations.uncalled_modules()
    by_module = _remove_zero_statistics(_group_by_module(_fill_missing_statistics(model, stats)),
                                        force_keep=uncalled)
    pretty = _indicate_uncalled_modules(_pretty_statistics(by_module, sig_figs=2), '#flops',
                                        flops.uncalled_modules())
    if activations is not None:
        pretty = _indicate_uncalled_modules(pretty, '#acts', activations.uncalled_modules())
    header = ('N/A indicates a possibly missing statistic due to how the module was called. '
              "Missing values are still included in the parent's total.\n") if uncalled else ''
    return header + _model_stats_str(model, pretty)


def complexity_stats_table(flops: FlopAnalyzer, max_depth: int = 3,
                           activations: ActivationAnalyzer | None = None,
                           show_param_shapes: bool = True) -> str:
    """A table of the parameters and flops (and activations) of each module.

    Args:
        flops: The flop analysis of the model.
        max_depth: The deepest submodule level listed.
        activations: Its activation analysis, for an ``#activations`` column.
        show_param_shapes: List parameters with their shapes.

    Returns:
        The table as text.
    """
    params_header = '#parameters' + (' or shape' if show_param_shapes else '')
    flops_header, acts_header = '#flops', '#activations'
    model = flops._model
    _quiet(flops, activations)
    stats: dict[str, dict[str, int]] = {params_header: dict(parameter_count(model)),
                                        flops_header: flops.by_module()}
    columns = [params_header, flops_header]
    if activations is not None:
        stats[acts_header] = activations.by_module()
        columns.append(acts_header)
    by_module = _remove_zero_statistics(_group_by_module(stats), require_trivial_children=True)
    pretty = _indicate_uncalled_modules(_pretty_statistics(by_module, hide_zero=False),
                                        flops_header, flops.uncalled_modules() & by_module.keys(),
                                        uncalled_indicator='')
    if activations is not None:
        pretty = _indicate_uncalled_modules(pretty, acts_header,
                                            activations.uncalled_modules() & pretty.keys(),
                                            uncalled_indicator='')
    for name, param in model.named_parameters():
        if name not in pretty:
            continue
        if show_param_shapes:
            pretty[name][params_header] = str(tuple(param.shape))
        else:
            del pretty[name]
    return _stats_table_format(pretty, max_depth=max_depth, stat_columns=columns)


def _dummy_inputs(model: nn.Module, input_shape: Any) -> tuple[torch.Tensor, ...]:
    """Random inputs of batch size 1 for a shape or a tuple of shapes, on the model's device."""
    device = next(model.parameters()).device
    if is_tuple_of(input_shape, int):
        return (torch.randn(1, *input_shape, device=device),)
    if is_tuple_of(input_shape, tuple) and all(is_tuple_of(shape, int) for shape in input_shape):
        return tuple(torch.randn(1, *shape, device=device) for shape in input_shape)
    raise ValueError(
        '"input_shape" should be either a `tuple of int` (to construct one input tensor) or a '
        '`tuple of tuple of int` (to construct multiple input tensors), got '
        f'{input_shape!r}.')


def get_model_complexity_info(
    model: nn.Module,
    input_shape: tuple[int, ...] | tuple[tuple[int, ...], ...] | None = None,
    inputs: torch.Tensor | tuple[Any, ...] | None = None,
    show_table: bool = True,
    show_arch: bool = True,
) -> dict[str, Any]:
    """Flops, activations and parameters of a model, with a table and an annotated printout.

    Either ``inputs`` go to the model's forward as they are, or ``input_shape`` builds random ones
    of batch size 1 (a tuple of shapes for a forward taking several tensors).

    Args:
        model: The model.
        input_shape: The shape of one input without the batch, or a tuple of such shapes.
        inputs: The forward's inputs.
        show_table: Also render the per-module table (``out_table``).
        show_arch: Also render the annotated ``str(model)`` (``out_arch``).

    Returns:
        ``flops``, ``activations``, ``params`` as numbers, each also as a ``*_str``
        (``'1.2M'``), and ``out_table``/``out_arch`` (empty strings when not asked for).

    Raises:
        ValueError: When neither or both of ``input_shape`` and ``inputs`` are given, or the
            shape is not a tuple of ints or a tuple of tuples of ints.
    """
    if input_shape is None and inputs is None:
        raise ValueError('One of "input_shape" and "inputs" should be set.')
    if input_shape is not None and inputs is not None:
        raise ValueError('"input_shape" and "inputs" cannot be both set.')
    if inputs is None:
        inputs = _dummy_inputs(model, input_shape)
    flop_analyzer = FlopAnalyzer(model, inputs)
    activation_analyzer = ActivationAnalyzer(model, inputs)
    flops = flop_analyzer.total()
    activations = activation_analyzer.total()
    params = parameter_count(model)['']
    table = '\n' + complexity_stats_table(flop_analyzer, activations=activation_analyzer,
                                          show_param_shapes=True) if show_table else ''
    arch = '\n' + complexity_stats_str(flop_analyzer, activations=activation_analyzer) \
        if show_arch else ''
    return {
        'flops': flops,
        'flops_str': _format_size(flops),
        'activations': activations,
        'activations_str': _format_size(activations),
        'params': params,
        'params_str': _format_size(params),
        'out_table': table,
        'out_arch': arch,
    }
