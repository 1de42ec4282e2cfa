"""Argument checks, colour conversion and image helpers of the visualizer.

Mirrors ``mmengine.visualization.utils`` without OpenCV: the colour map, the
min-max normalisation and the weighted blend are written with numpy.
"""
from __future__ import annotations

import importlib
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

ColorType = str | tuple | list


class VisualizerArgumentError(ValueError, AssertionError):
    """A drawing or backend argument has a bad value or shape.

    It is a ``ValueError``; it is also an ``AssertionError`` because MMEngine
    checks these arguments with ``assert``, so code catching that keeps working.
    """


class VisualizerTypeError(TypeError, AssertionError):
    """A visualizer argument has the wrong type; also an ``AssertionError``, as MMEngine asserts."""


def import_optional(module: str, pip_name: str, user: str) -> ModuleType:
    """Import ``module``, an optional dependency, or say which pip package provides it.

    Args:
        module: The module to import (``'mlflow'``, ``'aim'``, ...).
        pip_name: The package to ``pip install``.
        user: What needs it, for the message (``'MLflowVisBackend'``).

    Raises:
        ImportError: If the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f'{user} needs the {module!r} module: please run "pip install '
                          f'{pip_name}" to install {pip_name}') from error


class LazyModule:
    """A module imported on first attribute access (via :func:`import_optional`).

    Keeps heavy optional modules such as OpenCV out of ``import mmlightning.visualization``.
    """

    def __init__(self, module: str, pip_name: str, user: str) -> None:
        self._spec = (module, pip_name, user)

    def __getattr__(self, attr: str) -> Any:
        return getattr(import_optional(*self._spec), attr)

    def __repr__(self) -> str:
        return f'<lazy module {self._spec[0]!r}>'


def tensor2ndarray(value: np.ndarray | torch.Tensor) -> np.ndarray:
    """Return ``value`` as a numpy array (a tensor is detached and moved to CPU)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return value


def value2list(value: Any, valid_type: type | tuple[type, ...], expand_dim: int) -> Any:
    """Repeat ``value`` ``expand_dim`` times if it is a ``valid_type``, else return it unchanged."""
    if isinstance(value, valid_type):
        return [value] * expand_dim
    return value


def check_type(name: str, value: Any, valid_type: type | tuple[type, ...]) -> None:
    """Raise if ``value`` is not an instance of ``valid_type``.

    Raises:
        TypeError: If the type is wrong.
    """
    if not isinstance(value, valid_type):
        raise TypeError(f'`{name}` should be {valid_type}  but got {type(value)}')


def check_length(name: str, value: Any, valid_length: int) -> None:
    """Raise if ``value`` is a list shorter than ``valid_length``.

    Raises:
        VisualizerArgumentError: If the list is too short.
    """
    if isinstance(value, list) and len(value) < valid_length:
        raise VisualizerArgumentError(
            f'The length of {name} must equal with or greater than {valid_length}, '
            f'but got {len(value)}: give one value per item or a single value for all')


def check_type_and_length(name: str, value: Any, valid_type: type | tuple[type, ...],
                          valid_length: int) -> None:
    """Run :func:`check_type` then :func:`check_length`."""
    check_type(name, value, valid_type)
    check_length(name, value, valid_length)


def color_val_matplotlib(colors: ColorType) -> ColorType:
    """Convert RGB colours in 0-255 to matplotlib's 0-1 tuples; names pass through.

    Args:
        colors: A colour name, an ``(R, G, B)`` tuple in 0-255, or a list of them.

    Returns:
        The colour(s) in a form matplotlib accepts.

    Raises:
        TypeError: If a colour is neither a str, a tuple nor a list.
        VisualizerArgumentError: If a tuple is not three channels in 0-255.
    """
    if isinstance(colors, str):
        return colors
    if isinstance(colors, tuple):
        _check_rgb(colors)
        return tuple(channel / 255 for channel in colors)
    if isinstance(colors, list):
        return [color_val_matplotlib(color) for color in colors]
    raise TypeError(f'Invalid type for color: {type(colors)}; use a name such as "red" or an '
                    '(R, G, B) tuple in 0-255')


def color_str2rgb(color: str) -> tuple[int, int, int]:
    """Convert a matplotlib colour name to an ``(R, G, B)`` tuple in 0-255 (alpha dropped)."""
    import matplotlib.colors

    r, g, b = matplotlib.colors.to_rgb(color)
    return int(r * 255), int(g * 255), int(b * 255)


def _check_rgb(color: tuple) -> None:
    if len(color) != 3 or not all(0 <= channel <= 255 for channel in color):
        raise VisualizerArgumentError(
            f'An RGB color must be 3 values in [0, 255], got {color!r}')


def add_weighted(img1: np.ndarray, alpha: float, img2: np.ndarray, beta: float) -> np.ndarray:
    """``img1 * alpha + img2 * beta`` rounded and clipped to uint8 (``cv2.addWeighted``)."""
    blended = img1.astype(np.float64) * alpha + img2.astype(np.float64) * beta
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def _jet(gray: np.ndarray) -> np.ndarray:
    """Map uint8 intensities to RGB with the classic jet map (within 1 of OpenCV's JET)."""
    x = gray.astype(np.float64) / 255
    channels = [np.clip(1.5 - np.abs(4 * x - offset), 0, 1) for offset in (3, 2, 1)]
    return np.rint(np.stack(channels, axis=-1) * 255).astype(np.uint8)


def _minmax_to_uint8(feat_map: np.ndarray) -> np.ndarray:
    """Scale to 0-255 by min and max, truncating like ``cv2.normalize`` + ``astype``."""
    feat_map = feat_map.astype(np.float32)
    low, high = float(feat_map.min()), float(feat_map.max())
    scale = 255.0 / (high - low) if high - low > np.finfo(np.float64).eps else 0.0
    return ((feat_map - low) * scale).astype(np.uint8)


def convert_overlay_heatmap(feat_map: np.ndarray | torch.Tensor, img: np.ndarray | None = None,
                            alpha: float = 0.5) -> np.ndarray:
    """Turn a feature map into a jet heatmap, blended over ``img`` if given.

    Args:
        feat_map: Shape ``(H, W)``, ``(1, H, W)`` or ``(3, H, W)``.
        img: RGB image of shape ``(H, W, 3)`` to overlay on. Defaults to None.
        alpha: Weight of the heatmap in the blend. Defaults to 0.5.

    Returns:
        The RGB heatmap, uint8, shape ``(H, W, 3)``.

    Raises:
        VisualizerArgumentError: If ``feat_map`` has another shape.
    """
    if not (feat_map.ndim == 2 or (feat_map.ndim == 3 and feat_map.shape[0] in (1, 3))):
        raise VisualizerArgumentError(
            f'feat_map must be (H, W), (1, H, W) or (3, H, W), got {tuple(feat_map.shape)}')
    feat = tensor2ndarray(feat_map)
    if feat.ndim == 3:
        feat = feat.transpose(1, 2, 0)
    gray = _minmax_to_uint8(feat)
    if gray.ndim == 3:  # OpenCV reads 3 channels as BGR and converts them to gray
        weights = (0.114, 0.587, 0.299) if gray.shape[2] == 3 else (1.0,)
        gray = np.rint(np.tensordot(gray.astype(np.float64), weights, axes=([2], [0])))
    heat = _jet(gray)
    if img is not None:
        heat = add_weighted(img, 1 - alpha, heat, alpha)
    return heat


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython imported and a kernel attached)."""
    ipython = sys.modules.get('IPython')
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, 'kernel')


def has_gui_backend() -> bool:
    """Whether matplotlib's current backend opens windows."""
    import matplotlib
    from matplotlib.backends import BackendFilter, backend_registry

    interactive = backend_registry.list_builtin(BackendFilter.INTERACTIVE)
    return matplotlib.get_backend().lower() in interactive


def wait_continue(figure: Any, timeout: float = 0, continue_key: str = ' ') -> int:
    """Show ``figure`` in its window and wait for ``continue_key``, a close or ``timeout``.

    Without a display (a non-interactive matplotlib backend) it warns and returns at once,
    where MMEngine would wait forever on a window nobody sees.

    Args:
        figure: A figure with a GUI canvas.
        timeout: Seconds to wait; 0 waits until a key or a close. Defaults to 0.
        continue_key: The key that continues. Defaults to the space key.

    Returns:
        0 on a timeout or ``continue_key`` (or without a display), 1 when the window was closed.
    """
    from matplotlib.backend_bases import CloseEvent

    if not has_gui_backend():
        warnings.warn('Visualizer.show(): no display (matplotlib backend is not interactive); '
                      'use add_image() or get_image() to keep the image', stacklevel=3)
        return 0
    if figure.canvas.manager is not None:
        figure.show()
    while True:
        event = _next_event(figure.canvas, timeout)
        if isinstance(event, CloseEvent):
            return 1
        if event is None or event.key == continue_key:
            return 0


def _next_event(canvas: Any, timeout: float) -> Any:
    """Run the canvas's event loop until a key press or a close (None on timeout)."""
    from matplotlib.backend_bases import CloseEvent

    received: list = []

    def handler(event: Any) -> None:
        # Qt can fire a key and a close event together: keep the close
        if not any(isinstance(seen, CloseEvent) for seen in received):
            received.append(event)
        canvas.stop_event_loop()

    cids = [canvas.mpl_connect(name, handler) for name in ('key_press_event', 'close_event')]
    try:
        canvas.start_event_loop(timeout)
    finally:  # also on Ctrl-C
        for cid in cids:
            canvas.mpl_disconnect(cid)
    return received[-1] if received else None


def img_from_canvas(canvas: FigureCanvasAgg) -> np.ndarray:
    """Return the RGB image drawn on an Agg ``canvas`` as uint8 ``(H, W, 3)``."""
    buffer, (width, height) = canvas.print_to_buffer()
    rgba = np.frombuffer(buffer, dtype=np.uint8).reshape(height, width, 4)
    return rgba[..., :3].copy()
