"""Reshaping and formatting per-module statistics before they are printed.

Statistics come as ``{statistic: {module: value}}`` from the analyzers; these helpers regroup them
by module, drop all-zero modules, fill in missing modules and turn numbers into short strings
(``'1.2M'``). Module names follow ``named_modules()``: ``''`` is the root, ``'a.b'`` a grandchild.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from torch import nn

_SUFFIXES = ((1e14, 1e15, 'P'), (1e11, 1e12, 'T'), (1e8, 1e9, 'G'), (1e5, 1e6, 'M'),
             (1e2, 1e3, 'K'))


def _format_size(x: int, sig_figs: int = 3, hide_zero: bool = False) -> str:
    """Format a count with a K/M/G/T/P suffix for tables and model printouts.

    Args:
        x: The count.
        sig_figs: Decimals kept before trailing zeros are stripped.
        hide_zero: Print 0 as an empty string.

    Returns:
        For example ``'1.23M'`` for 1,234,567 and ``'42'`` for 42.
    """
    if hide_zero and x == 0:
        return ''
    for threshold, scale, suffix in _SUFFIXES:
        if abs(x) > threshold:
            return f'{x / scale:.{sig_figs}f}'.rstrip('0').rstrip('.') + suffix
    return str(x)


def _pretty_statistics(statistics: dict[str, dict[str, int]], sig_figs: int = 3,
                       hide_zero: bool = False) -> dict[str, dict[str, str]]:
    """Every value of ``{module: {statistic: value}}`` formatted with :func:`_format_size`."""
    return {module: {name: _format_size(value, sig_figs, hide_zero)
                     for name, value in stats.items()}
            for module, stats in statistics.items()}


def _group_by_module(statistics: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{statistic: {module: value}}`` -> ``{module: {statistic: value}}``."""
    by_module: defaultdict[str, dict[str, Any]] = defaultdict(dict)
    for stat_name, per_module in statistics.items():
        for module, value in per_module.items():
            by_module[module][stat_name] = value
    return dict(by_module)


def _indicate_uncalled_modules(statistics: dict[str, dict[str, str]], stat_name: str,
                               uncalled_modules: set[str], uncalled_indicator: str = 'N/A'
                               ) -> dict[str, dict[str, str]]:
    """A copy of formatted statistics where uncalled modules show ``uncalled_indicator``."""
    marked = {module: stats.copy() for module, stats in statistics.items()}
    for module in uncalled_modules:
        marked.setdefault(module, {})[stat_name] = uncalled_indicator
    return marked


def _children(name: str, statistics: dict[str, Any]) -> list[str]:
    """The direct children of a module among the keys of ``statistics``, in their order."""
    prefix = f'{name}.' if name else ''
    depth = prefix.count('.')
    return [module for module in statistics
            if module and module.count('.') == depth and module.startswith(prefix)]


def _remove_zero_statistics(statistics: dict[str, dict[str, int]],
                            force_keep: set[str] | None = None,
                            require_trivial_children: bool = False
                            ) -> dict[str, dict[str, int]]:
    """Drop the modules whose statistics are all zero.

    Args:
        statistics: ``{module: {statistic: value}}`` with a root named ``''``.
        force_keep: Modules kept even when all zero. The root is always kept when this is None.
        require_trivial_children: Keep an all-zero module whose children were not all dropped.

    Returns:
        The kept modules, children listed before their parent.
    """
    keep_always = force_keep if force_keep else {''}
    kept: dict[str, dict[str, int]] = {}

    def visit(name: str) -> None:
        all_children_dropped = True
        for child in _children(name, statistics):
            visit(child)
            all_children_dropped &= child not in kept
        if (any(value != 0 for value in statistics[name].values()) or name in keep_always
                or (require_trivial_children and not all_children_dropped)):
            kept[name] = statistics[name].copy()

    visit('')
    return kept


def _fill_missing_statistics(model: nn.Module, statistics: dict[str, dict[str, int]]
                             ) -> dict[str, dict[str, int]]:
    """A copy of ``{statistic: {module: value}}`` with 0 for every module of ``model`` missing."""
    filled = {name: per_module.copy() for name, per_module in statistics.items()}
    for module_name, _ in model.named_modules():
        for per_module in filled.values():
            per_module.setdefault(module_name, 0)
    return filled


def _get_single_child(name: str, statistics: dict[str, dict[str, str]]) -> str | None:
    """The only child of a module among the keys of ``statistics``, or None."""
    children = _children(name, statistics)
    return children[0] if len(children) == 1 else None


def _try_combine(stats1: dict[str, str], stats2: dict[str, str]) -> dict[str, str] | None:
    """Merge two rows of formatted statistics when no non-empty value conflicts, else None."""
    if set(stats1) != set(stats2):
        return None
    combined = {}
    for key, first in stats1.items():
        second = stats2[key]
        if first != second and first and second:
            return None
        combined[key] = first or second
    return combined


def _fastforward(name: str, statistics: dict[str, dict[str, str]]
                 ) -> tuple[str, dict[str, str]]:
    """Fold a module into its only child while their statistics agree; repeat.

    Returns:
        The deepest name reached and the statistics of that row (stored on it in ``statistics``).
    """
    child = _get_single_child(name, statistics)
    if child is None:
        return name, statistics[name]
    combined = _try_combine(statistics[name], statistics[child])
    if combined is None:
        return name, statistics[name]
    statistics[child] = combined
    return _fastforward(child, statistics)
