"""Loss, learning-rate and metric curves of a ``scalars.json`` drawn into a PNG."""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path

# keys LoggerHook adds to every line that are not curves of their own
_BOOKKEEPING = frozenset({'step', 'epoch', 'iter', 'time', 'data_time', 'memory', 'eta'})
_LR = re.compile(r'(^|[./_])lr$')

Series = dict[str, tuple[list[float], list[float]]]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_scalars(scalars_json_path: str | Path) -> list[dict]:
    """Read a JSON-lines scalars file (MMEngine's ``scalars.json``), skipping blank lines.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If a line is not JSON.
    """
    path = Path(scalars_json_path)
    if not path.is_file():
        raise FileNotFoundError(f'No scalars file at {str(path)!r}; pass the vis_data/scalars.json '
                                'of a run')
    records = []
    for lineno, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}:{lineno} is not a JSON line: {line[:80]!r}') from e
    return records


def split_curves(records: list[dict]) -> dict[str, Series]:
    """Group the scalars of ``records`` into ``'loss'``, ``'lr'`` and ``'metric'`` curves.

    A key containing ``loss`` is a loss curve; ``lr`` (or ``*.lr``, ``*_lr``) a
    learning-rate curve; the other keys of lines with neither are metrics (validation
    lines). The x value of every point is the line's ``step``.

    Returns:
        ``{'loss': {name: (xs, ys)}, 'lr': {...}, 'metric': {...}}``.
    """
    groups: dict[str, Series] = {name: defaultdict(lambda: ([], [])) for name in
                                 ('loss', 'lr', 'metric')}
    for index, record in enumerate(records):
        step = record.get('step', index)
        is_train = any('loss' in key or _LR.search(key) for key in record)
        for key, value in record.items():
            if key in _BOOKKEEPING or not _is_number(value):
                continue
            if 'loss' in key:
                group = 'loss'
            elif _LR.search(key):
                group = 'lr'
            elif not is_train:
                group = 'metric'
            else:
                continue
            xs, ys = groups[group][key]
            xs.append(step)
            ys.append(float(value))
    return {name: dict(series) for name, series in groups.items()}


def axis_labels(records: list[dict]) -> dict[str, str]:
    """What the x axis of each group counts.

    Training lines are logged at iterations. Validation lines (metrics) are logged at
    epochs in an epoch-based run, whose training lines carry an ``epoch`` key, and at
    iterations otherwise, as MMEngine's ``LoggerHook`` does.
    """
    by_epoch = any('epoch' in record for record in records)
    return {'loss': 'iteration', 'lr': 'iteration', 'metric': 'epoch' if by_epoch else 'iteration'}


def plot_curves(scalars_json_path: str | Path, out_png: str | Path, dpi: int = 100,
                panel_size: tuple[float, float] = (6.0, 4.0)) -> Path:
    """Draw the loss, learning-rate and metric curves of a scalars file into one PNG.

    One panel per group that has data, side by side, each ``panel_size`` inches at ``dpi``.

    Args:
        scalars_json_path: The JSON-lines file (``vis_data/scalars.json``).
        out_png: The PNG to write; parent folders are created.
        dpi: Resolution. Defaults to 100.
        panel_size: Width and height of a panel in inches. Defaults to (6, 4).

    Returns:
        The path of the PNG.

    Raises:
        ValueError: If the file has no loss, learning-rate or metric values.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    records = read_scalars(scalars_json_path)
    groups = {name: series for name, series in split_curves(records).items() if series}
    if not groups:
        raise ValueError(f'{scalars_json_path} has no loss, lr or metric values to plot; is it '
                         'the scalars.json of a run that logged?')
    fig = Figure(figsize=(panel_size[0] * len(groups), panel_size[1]), dpi=dpi)
    FigureCanvasAgg(fig)
    titles = {'loss': 'loss', 'lr': 'learning rate', 'metric': 'metrics'}
    x_labels = axis_labels(records)
    for i, (group, series) in enumerate(groups.items(), 1):
        ax = fig.add_subplot(1, len(groups), i)
        for key, (xs, ys) in series.items():
            ax.plot(xs, ys, marker='o' if len(xs) < 20 else None, markersize=3, label=key)
        ax.set_title(titles[group])
        ax.set_xlabel(x_labels[group])
        ax.grid(alpha=0.3)
        ax.legend(fontsize='small')
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
