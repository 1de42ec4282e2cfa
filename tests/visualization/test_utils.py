"""Colour conversion, argument checks and image helpers of mmlightning.visualization.utils."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.visualization.utils import (
    VisualizerArgumentError,
    add_weighted,
    check_length,
    check_type,
    check_type_and_length,
    color_str2rgb,
    color_val_matplotlib,
    img_from_canvas,
    tensor2ndarray,
    value2list,
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
