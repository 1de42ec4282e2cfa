"""Colour conversion, argument checks and image helpers of mmlightning.visualization.utils."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from matplotlib.backend_bases import CloseEvent, KeyEvent
from matplotlib.figure import Figure

from mmlightning.visualization import utils as vis_utils
from mmlightning.visualization.utils import (
    LazyModule,
    VisualizerArgumentError,
    add_weighted,
    check_length,
    check_type,
    check_type_and_length,
    color_str2rgb,
    color_val_matplotlib,
    has_gui_backend,
    img_from_canvas,
    import_optional,
    tensor2ndarray,
    value2list,
    wait_continue,
)


def test_color_val_matplotlib() -> None:
    assert color_val_matplotlib('red') == 'red'
    assert color_val_matplotlib((255, 0, 51)) == (1.0, 0.0, 0.2)
    assert color_val_matplotlib(['g', (0, 255, 0)]) == ['g', (0.0, 1.0, 0.0)]
    with pytest.raises(VisualizerArgumentError, match=r'got \(256, 0, 0\)'):
        color_val_matplotlib((256, 0, 0))
    with pytest.raises(VisualizerArgumentError, match='3 values'):
        color_val_matplotlib((1, 2))
    with pytest.raises(TypeError, match='Invalid type for color'):
        color_val_matplotlib(3)


def test_color_str2rgb() -> None:
    assert color_str2rgb('red') == (255, 0, 0)
    assert color_str2rgb('#00ff80') == (0, 255, 128)


def test_value2list_and_checks() -> None:
    assert value2list(2, int, 3) == [2, 2, 2]
    assert value2list([1, 2], int, 3) == [1, 2]
    check_type_and_length('x', [1, 2, 3], list, 3)
    with pytest.raises(TypeError, match='`x` should be'):
        check_type('x', 1.5, (str, list))
    with pytest.raises(AssertionError, match='greater than 3, but got 2'):
        check_length('x', [1, 2], 3)


def test_tensor2ndarray() -> None:
    out = tensor2ndarray(torch.ones(2, requires_grad=True))
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 1.0]
    arr = np.zeros(2)
    assert tensor2ndarray(arr) is arr


def test_add_weighted_rounds_and_saturates() -> None:
    a = np.array([[10, 250]], dtype=np.uint8)
    b = np.array([[11, 250]], dtype=np.uint8)
    np.testing.assert_array_equal(add_weighted(a, 0.5, b, 0.5), [[10, 250]])  # 10.5 -> 10
    np.testing.assert_array_equal(add_weighted(a, 1.0, b, 1.0), [[21, 255]])


def test_img_from_canvas_gives_rgb() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.2, 0.1), dpi=100, facecolor=(0, 0.5, 1))
    img = img_from_canvas(FigureCanvasAgg(fig))
    assert img.shape == (10, 20, 3)
    np.testing.assert_array_equal(img[5, 5], [0, 128, 255])


def test_import_optional_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    assert import_optional('json', 'json', 'X').dumps([1]) == '[1]'
    monkeypatch.setitem(sys.modules, 'mlflow', None)
    with pytest.raises(ImportError, match='MLflowVisBackend needs .*pip install mlflow'):
        import_optional('mlflow', 'mlflow', 'MLflowVisBackend')
    lazy = LazyModule('mlflow', 'mlflow', 'MLflowVisBackend')
    with pytest.raises(ImportError, match='pip install mlflow'):
        lazy.log_metric  # noqa: B018
    assert LazyModule('json', 'json', 'X').dumps({}) == '{}'


def test_has_gui_backend_follows_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    monkeypatch.setattr(matplotlib, 'get_backend', lambda: 'agg')
    assert not has_gui_backend()
    monkeypatch.setattr(matplotlib, 'get_backend', lambda: 'TkAgg')
    assert has_gui_backend()


def _figure_whose_event_loop_sends(events: list) -> Figure:
    """A figure whose ``start_event_loop`` delivers the next of ``events`` (None: times out)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure()
    canvas = FigureCanvasAgg(figure)

    def start_event_loop(timeout: float) -> None:
        event = events.pop(0)
        if event == 'close':
            canvas.callbacks.process('close_event', CloseEvent('close_event', canvas))
        elif event is not None:
            canvas.callbacks.process('key_press_event',
                                     KeyEvent('key_press_event', canvas, key=event))

    canvas.start_event_loop = start_event_loop
    return figure


def test_wait_continue_returns_on_the_key_a_close_or_the_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vis_utils, 'has_gui_backend', lambda: True)
    events = ['x', 'q']  # another key keeps waiting
    assert wait_continue(_figure_whose_event_loop_sends(events), continue_key='q') == 0
    assert events == []
    assert wait_continue(_figure_whose_event_loop_sends(['close'])) == 1
    assert wait_continue(_figure_whose_event_loop_sends([None]), timeout=0.1) == 0


def test_wait_continue_headless_warns_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vis_utils, 'has_gui_backend', lambda: False)
    events = ['x']
    with pytest.warns(UserWarning, match='no display'):
        assert wait_continue(_figure_whose_event_loop_sends(events)) == 0
    assert events == ['x']
