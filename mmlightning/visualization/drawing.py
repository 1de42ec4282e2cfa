"""The ``draw_*`` methods of :class:`~mmlightning.visualization.Visualizer`.

They draw on the matplotlib Agg canvas that ``Visualizer.set_image`` prepares
(``self.ax_save``; ``self.width``/``self.height`` of the image) and return the
visualizer, so calls chain.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from mmlightning.dist import master_only

from .utils import (
    VisualizerArgumentError,
    add_weighted,
    check_type,
    check_type_and_length,
    color_str2rgb,
    color_val_matplotlib,
    tensor2ndarray,
    value2list,
)

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

Array = np.ndarray | torch.Tensor
Colors = str | tuple | list
Widths = int | float | list


class DrawingMixin:
    """Drawing primitives on ``self.ax_save`` (needs the attributes ``Visualizer`` sets)."""

    ax_save: Any
    width: int
    height: int
    _default_font_size: float
    get_image: Callable[[], np.ndarray]

    def _is_position_valid(self, position: np.ndarray) -> bool:
        """Whether every ``[x, y]`` of ``position`` (last dim 2) lies in the image."""
        x, y = position[..., 0], position[..., 1]
        return bool((x >= 0).all() and (x < self.width).all()
                    and (y >= 0).all() and (y < self.height).all())

    def _warn_out_of_bounds(self, position: np.ndarray, what: str) -> None:
        if not self._is_position_valid(position):
            warnings.warn(f'Warning: The {what} is out of bounds, the drawn {what} may not be in '
                          'the image', UserWarning, stacklevel=4)

    def _clamped_widths(self, line_widths: Widths, count: int) -> list[float]:
        widths = value2list(line_widths, (int, float), count)
        return [min(max(width, 1), self._default_font_size / 4) for width in widths]

    @master_only
    def draw_points(self, positions: Array, colors: Colors = 'g', marker: str | None = None,
                    sizes: Array | None = None) -> DrawingMixin:
        """Draw points at ``positions`` (``(N, 2)`` or ``(2,)`` x, y).

        Raises:
            VisualizerArgumentError: If the last dimension of ``positions`` is not 2.
        """
        check_type('positions', positions, (np.ndarray, torch.Tensor))
        positions = tensor2ndarray(positions)
        if positions.ndim == 1:
            positions = positions[None]
        if positions.shape[-1] != 2:
            raise VisualizerArgumentError(
                f'The shape of `positions` should be (N, 2), but got {positions.shape}')
        self.ax_save.scatter(positions[:, 0], positions[:, 1], c=color_val_matplotlib(colors),
                             s=sizes, marker=marker)
        return self

    @master_only
    def draw_texts(self, texts: str | list[str], positions: Array,
                   font_sizes: int | float | list | None = None, colors: Colors = 'g',
                   vertical_alignments: str | list[str] = 'top',
                   horizontal_alignments: str | list[str] = 'left',
                   font_families: str | list[str] = 'sans-serif',
                   bboxes: dict | list[dict] | None = None,
                   font_properties: FontProperties | list[FontProperties] | None = None,
                   ) -> DrawingMixin:
        """Draw ``texts`` at ``positions`` (``(N, 2)``); every style argument is one value or N.

        Raises:
            VisualizerArgumentError: If ``positions`` is not ``(len(texts), 2)`` or a list
                argument is shorter than ``texts``.
        """
        from matplotlib.font_manager import FontProperties

        check_type('texts', texts, (str, list))
        texts = [texts] if isinstance(texts, str) else texts
        num = len(texts)
        check_type('positions', positions, (np.ndarray, torch.Tensor))
        positions = tensor2ndarray(positions)
        if positions.ndim == 1:
            positions = positions[None]
        if positions.shape != (num, 2):
            raise VisualizerArgumentError(
                f'`positions` should have the shape of ({num}, 2), but got {positions.shape}')
        self._warn_out_of_bounds(positions, 'text')
        font_sizes = self._default_font_size if font_sizes is None else font_sizes
        styles: dict[str, list] = {}
        for name, value, valid in (('font_sizes', font_sizes, (int, float)),
                                   ('colors', colors, (str, tuple)),
                                   ('vertical_alignments', vertical_alignments, str),
                                   ('horizontal_alignments', horizontal_alignments, str),
                                   ('font_families', font_families, str),
                                   ('font_properties', font_properties, FontProperties),
                                   ('bboxes', bboxes, dict)):
            if value is None:
                styles[name] = [None] * num
                continue
            check_type_and_length(name, value, (*_as_tuple(valid), list), num)
            styles[name] = value2list(value, valid, num)
        styles['colors'] = color_val_matplotlib(styles['colors'])
        for i, (x, y) in enumerate(positions.tolist()):
            self.ax_save.text(
                x, y, texts[i], size=styles['font_sizes'][i], bbox=styles['bboxes'][i],
                verticalalignment=styles['vertical_alignments'][i],
                horizontalalignment=styles['horizontal_alignments'][i],
                family=styles['font_families'][i], fontproperties=styles['font_properties'][i],
                color=styles['colors'][i])
        return self

    @master_only
    def draw_lines(self, x_datas: Array, y_datas: Array, colors: Colors = 'g',
                   line_styles: str | list[str] = '-', line_widths: Widths = 2) -> DrawingMixin:
        """Draw segments from ``x_datas``/``y_datas`` (each ``(N, 2)``: start and end).

        Raises:
            VisualizerArgumentError: If the two shapes differ or the last dimension is not 2.
        """
        from matplotlib.collections import LineCollection

        check_type('x_datas', x_datas, (np.ndarray, torch.Tensor))
        check_type('y_datas', y_datas, (np.ndarray, torch.Tensor))
        x_datas, y_datas = tensor2ndarray(x_datas), tensor2ndarray(y_datas)
        if x_datas.shape != y_datas.shape:
            raise VisualizerArgumentError(
                f'`x_datas` and `y_datas` should have the same shape, got {x_datas.shape} and '
                f'{y_datas.shape}')
        if x_datas.shape[-1] != 2:
            raise VisualizerArgumentError(
                f'The shape of `x_datas` should be (N, 2), but got {x_datas.shape}')
        lines = np.concatenate((x_datas.reshape(-1, 2, 1), y_datas.reshape(-1, 2, 1)), axis=-1)
        self._warn_out_of_bounds(lines, 'line')
        self.ax_save.add_collection(LineCollection(
            lines.tolist(), colors=color_val_matplotlib(colors), linestyles=line_styles,
            linewidths=line_widths))
        return self

    @master_only
    def draw_circles(self, center: Array, radius: Array, edge_colors: Colors = 'g',
                     line_styles: str | list[str] = '-', line_widths: Widths = 2,
                     face_colors: Colors = 'none', alpha: float | int = 0.8) -> DrawingMixin:
        """Draw circles at ``center`` (``(N, 2)``) with ``radius`` (``(N,)``).

        Raises:
            VisualizerArgumentError: If ``center`` is not ``(len(radius), 2)``.
        """
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Circle

        check_type('center', center, (np.ndarray, torch.Tensor))
        check_type('radius', radius, (np.ndarray, torch.Tensor))
        center, radius = tensor2ndarray(center), tensor2ndarray(radius)
        if center.ndim == 1:
            center = center[None]
        if center.shape != (radius.shape[0], 2):
            raise VisualizerArgumentError(
                f'The shape of `center` should be ({radius.shape[0]}, 2) for '
                f'{radius.shape[0]} radii, but got {center.shape}')
        offset = np.tile(radius.reshape(-1, 1), (1, 2))
        self._warn_out_of_bounds(np.concatenate([center - offset, center + offset]), 'circle')
        circles = [Circle(tuple(c), r) for c, r in zip(center.tolist(), radius.tolist())]
        self.ax_save.add_collection(PatchCollection(
            circles, alpha=alpha, facecolors=color_val_matplotlib(face_colors),
            edgecolors=color_val_matplotlib(edge_colors),
            linewidths=self._clamped_widths(line_widths, len(circles)), linestyles=line_styles))
        return self

    @master_only
    def draw_bboxes(self, bboxes: Array, edge_colors: Colors = 'g',
                    line_styles: str | list[str] = '-', line_widths: Widths = 2,
                    face_colors: Colors = 'none', alpha: float | int = 0.8) -> DrawingMixin:
        """Draw boxes given as ``(N, 4)`` or ``(4,)`` ``x1, y1, x2, y2``.

        Raises:
            VisualizerArgumentError: If the last dimension is not 4 or ``x1 > x2``/``y1 > y2``.
        """
        check_type('bboxes', bboxes, (np.ndarray, torch.Tensor))
        bboxes = tensor2ndarray(bboxes)
        if bboxes.ndim == 1:
            bboxes = bboxes[None]
        if bboxes.shape[-1] != 4:
            raise VisualizerArgumentError(
                f'The shape of `bboxes` should be (N, 4), but got {bboxes.shape}')
        if not ((bboxes[:, 0] <= bboxes[:, 2]).all() and (bboxes[:, 1] <= bboxes[:, 3]).all()):
            raise VisualizerArgumentError(
                'bboxes must be x1, y1, x2, y2 with x1 <= x2 and y1 <= y2; convert xywh boxes '
                'first')
        self._warn_out_of_bounds(bboxes.reshape(-1, 2, 2), 'bbox')
        x1, y1, x2, y2 = bboxes.T
        polygons = np.stack((x1, y1, x2, y1, x2, y2, x1, y2), axis=-1).reshape(-1, 4, 2)
        return self.draw_polygons(list(polygons), edge_colors=edge_colors,
                                  line_styles=line_styles, line_widths=line_widths,
                                  face_colors=face_colors, alpha=alpha)

    @master_only
    def draw_polygons(self, polygons: Array | list[Array], edge_colors: Colors = 'g',
                      line_styles: str | list[str] = '-', line_widths: Widths = 2,
                      face_colors: Colors = 'none', alpha: float | int = 0.8) -> DrawingMixin:
        """Draw polygons, each an ``(M, 2)`` array of x, y vertices.

        Raises:
            VisualizerArgumentError: If a polygon is not ``(M, 2)``.
        """
        from matplotlib.collections import PolyCollection

        check_type('polygons', polygons, (list, np.ndarray, torch.Tensor))
        if isinstance(polygons, (np.ndarray, torch.Tensor)):
            polygons = [polygons]
        arrays = [tensor2ndarray(polygon) for polygon in polygons]
        for polygon in arrays:
            if polygon.ndim != 2 or polygon.shape[1] != 2:
                raise VisualizerArgumentError(
                    'The shape of each polygon in `polygons` should be (M, 2), '
                    f'but got {polygon.shape}')
            self._warn_out_of_bounds(polygon, 'polygon')
        self.ax_save.add_collection(PolyCollection(
            arrays, alpha=alpha, facecolor=color_val_matplotlib(face_colors),
            linestyles=line_styles, edgecolors=color_val_matplotlib(edge_colors),
            linewidths=self._clamped_widths(line_widths, len(arrays))))
        return self

    @master_only
    def draw_binary_masks(self, binary_masks: Array, colors: Colors = 'g',
                          alphas: float | list[float] = 0.8) -> DrawingMixin:
        """Blend boolean masks (``(N, H, W)`` or ``(H, W)``) over the image in ``colors``.

        Each pixel inside a mask becomes ``img * (1 - alpha) + color * alpha``.

        Raises:
            VisualizerArgumentError: If the masks are not boolean, not the image's size,
                or a colour is not RGB in 0-255.
        """
        check_type('binary_masks', binary_masks, (np.ndarray, torch.Tensor))
        masks = tensor2ndarray(binary_masks)
        if masks.dtype != np.bool_:
            raise VisualizerArgumentError(
                f'The dtype of binary_masks should be np.bool_, but got {masks.dtype}; use '
                '`masks > 0`')
        img = self.get_image()
        masks = masks[None] if masks.ndim == 2 else masks
        if img.shape[:2] != masks.shape[1:]:
            raise VisualizerArgumentError(
                f'`binary_masks` must have the same shape with image: image {img.shape[:2]}, '
                f'masks {masks.shape[1:]}')
        count = masks.shape[0]
        check_type_and_length('colors', colors, (str, tuple, list), count)
        rgb_colors = [color_str2rgb(c) if isinstance(c, str) else c
                      for c in value2list(colors, (str, tuple), count)]
        for color in rgb_colors:
            color_val_matplotlib(tuple(color))  # validates 3 channels in 0-255
        alpha_list = value2list(alphas, (int, float), count)
        for mask, color, alpha in zip(masks, rgb_colors, alpha_list):
            colored = img.copy()
            colored[mask] = color
            img = add_weighted(img, 1 - alpha, colored, alpha)
        self.ax_save.imshow(img, extent=(0, self.width, self.height, 0),
                            interpolation='nearest')
        return self


def _as_tuple(valid: type | tuple[type, ...]) -> tuple[type, ...]:
    return valid if isinstance(valid, tuple) else (valid,)
