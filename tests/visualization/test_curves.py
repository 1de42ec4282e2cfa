"""plot_curves: loss, lr and metric panels of a scalars.json in a PNG of the expected size."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmlightning.visualization import plot_curves
from mmlightning.visualization.curves import axis_labels, split_curves

TRAIN = [{'lr': 0.04, 'data_time': 0.004, 'loss': 1.72 - 0.1 * i, 'loss_mse': 1.7, 'time': 0.005,
          'epoch': 1, 'iter': i, 'step': i} for i in range(1, 6)]
VAL = [{'toy/mse': 0.73, 'data_time': 0.002, 'time': 0.002, 'step': 1},
       {'toy/mse': 0.61, 'data_time': 0.002, 'time': 0.002, 'step': 2}]


def write_lines(path: Path, records: list[dict]) -> Path:
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))
    return path


def test_split_curves_groups_by_kind() -> None:
    groups = split_curves(TRAIN + VAL + [{'base.lr': 0.1, 'step': 9}, {'flag': True, 'step': 3}])
    assert set(groups['loss']) == {'loss', 'loss_mse'}
    assert groups['loss']['loss'][0] == [1, 2, 3, 4, 5]
    assert set(groups['lr']) == {'lr', 'base.lr'}
    assert groups['metric'] == {'toy/mse': ([1, 2], [0.73, 0.61])}


def test_axes_say_what_they_count() -> None:
    """Metrics of an epoch-based run are logged per epoch; training lines per iteration."""
    assert axis_labels(TRAIN + VAL) == {'loss': 'iteration', 'lr': 'iteration', 'metric': 'epoch'}
    iter_based = [{k: v for k, v in r.items() if k != 'epoch'} for r in TRAIN]
    assert axis_labels(iter_based + VAL)['metric'] == 'iteration'


def test_png_has_one_panel_per_group_and_is_drawn(tmp_path: Path) -> None:
    src = write_lines(tmp_path / 'scalars.json', TRAIN + VAL)
    out = plot_curves(src, tmp_path / 'plots' / 'curves.png', dpi=50)
    image = Image.open(out)
    assert image.size == (3 * 6 * 50, 4 * 50)
    pixels = np.asarray(image.convert('RGB'))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10  # lines, text, not a blank page


def test_panels_only_for_groups_with_data(tmp_path: Path) -> None:
    src = write_lines(tmp_path / 'scalars.json', VAL)
    out = plot_curves(src, tmp_path / 'metric.png', panel_size=(4.0, 3.0), dpi=100)
    assert Image.open(out).size == (400, 300)


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='No scalars file'):
        plot_curves(tmp_path / 'missing.json', tmp_path / 'x.png')
    empty = write_lines(tmp_path / 'empty.json', [{'time': 0.1, 'step': 1}])
    with pytest.raises(ValueError, match='no loss, lr or metric values'):
        plot_curves(empty, tmp_path / 'x.png')
    broken = tmp_path / 'broken.json'
    broken.write_text('{"loss": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r'broken.json:2 is not a JSON line'):
        plot_curves(broken, tmp_path / 'x.png')
