"""``draw_featmap``: feature maps as jet heatmaps, optionally over an image."""
from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from .utils import VisualizerArgumentError, convert_overlay_heatmap, img_from_canvas

_REDUCTIONS = ('squeeze_mean', 'select_max')


def _resize_image(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of an ``(H, W, C)`` uint8 image to ``shape`` (``cv2.resize``'s sampling)."""
    chw = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].double()
    resized = F.interpolate(chw, size=tuple(shape), mode='bilinear', align_corners=False)
    return resized[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()


def _check_featmap(featmap: torch.Tensor | np.ndarray) -> torch.Tensor:
    if isinstance(featmap, np.ndarray):
        featmap = torch.from_numpy(featmap)
    if not isinstance(featmap, torch.Tensor):
        raise TypeError(f'`featmap` should be torch.Tensor or np.ndarray, but got '
                        f'{type(featmap)}')
    if featmap.ndim != 3:
        raise VisualizerArgumentError(
            f'Input dimension must be 3, but got {featmap.ndim} (shape {tuple(featmap.shape)}): '
            'featmap should be (C, H, W); index a batch with featmap[0]')
    return featmap.detach().cpu().float()


def _topk_grid(featmap: torch.Tensor, overlaid_image: np.ndarray | None, topk: int,
               arrangement: tuple[int, int], alpha: float) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    row, col = arrangement
    channel, height, width = featmap.shape
    if row * col < topk:
        raise VisualizerArgumentError(
            'The product of row and col in the `arrangement` is less than topk, please set the '
            f'`arrangement` correctly (arrangement {arrangement}, topk {topk})')
    topk = min(channel, topk)
    _, indices = torch.topk(featmap.sum(dim=(1, 2)), topk)
    fig = Figure(frameon=False)
    canvas = FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, wspace=0, hspace=0)
    dpi = fig.get_dpi()
    fig.set_size_inches((width * col + 1e-2) / dpi, (height * row + 1e-2) / dpi)
    for i, index in enumerate(indices.tolist()):
        axes = fig.add_subplot(row, col, i + 1)
        axes.axis('off')
        axes.text(2, 15, f'channel: {index}', fontsize=10)
        axes.imshow(convert_overlay_heatmap(featmap[index], overlaid_image, alpha))
    return img_from_canvas(canvas)


def draw_featmap(featmap: torch.Tensor | np.ndarray, overlaid_image: np.ndarray | None = None,
                 channel_reduction: str | None = 'squeeze_mean', topk: int = 20,
                 arrangement: tuple[int, int] = (4, 5), resize_shape: tuple | None = None,
                 alpha: float = 0.5) -> np.ndarray:
    """Draw a ``(C, H, W)`` feature map as an RGB heatmap.

    ``channel_reduction`` ``'squeeze_mean'`` averages the channels, ``'select_max'``
    keeps the channel with the largest sum; with None and ``topk > 0`` the ``topk``
    channels of largest sum are tiled in ``arrangement`` (rows, cols); with None and
    ``topk <= 0`` the map must have 1 or 3 channels. The map is resized to
    ``resize_shape``, or to ``overlaid_image``'s size, and blended over that image
    with weight ``alpha``.

    Args:
        featmap: The feature map, a tensor or an array.
        overlaid_image: RGB or gray uint8 image to overlay on. Defaults to None.
        channel_reduction: 'squeeze_mean', 'select_max' or None.
        topk: Channels to show when ``channel_reduction`` is None. Defaults to 20.
        arrangement: Grid of the ``topk`` channels. Defaults to (4, 5).
        resize_shape: ``(H, W)`` to resize the map (and the image) to. Defaults to None.
        alpha: Heatmap weight in the blend. Defaults to 0.5.

    Returns:
        The RGB uint8 image.

    Raises:
        TypeError: If ``featmap`` is neither a tensor nor an array.
        VisualizerArgumentError: On a bad shape, reduction or arrangement.
    """
    featmap = _check_featmap(featmap)
    if overlaid_image is not None:
        if overlaid_image.ndim == 2:
            overlaid_image = np.repeat(overlaid_image[..., None], 3, axis=2)
        if overlaid_image.shape[:2] != featmap.shape[1:]:
            warnings.warn(f'Since the spatial dimensions of overlaid_image: '
                          f'{overlaid_image.shape[:2]} and featmap: {tuple(featmap.shape[1:])} '
                          'are not same, the feature map will be interpolated. This may cause '
                          'mismatch problems !', stacklevel=2)
            if resize_shape is None:
                featmap = F.interpolate(featmap[None], overlaid_image.shape[:2], mode='bilinear',
                                        align_corners=False)[0]
    if resize_shape is not None:
        featmap = F.interpolate(featmap[None], resize_shape, mode='bilinear',
                                align_corners=False)[0]
        if overlaid_image is not None:
            overlaid_image = _resize_image(overlaid_image, tuple(resize_shape))
    if channel_reduction is not None:
        if channel_reduction not in _REDUCTIONS:
            raise VisualizerArgumentError(
                f'Mode only support "squeeze_mean", "select_max", but got {channel_reduction!r}')
        if channel_reduction == 'select_max':
            _, indices = torch.topk(featmap.sum(dim=(1, 2)), 1)
            reduced = featmap[indices]
        else:
            reduced = featmap.mean(dim=0)
        return convert_overlay_heatmap(reduced, overlaid_image, alpha)
    if topk <= 0:
        if featmap.shape[0] not in (1, 3):
            raise VisualizerArgumentError(
                'The input tensor channel dimension must be 1 or 3 when topk is less than 1, '
                f'but the channel dimension you input is {featmap.shape[0]}, you can use the '
                'channel_reduction parameter or set topk greater than 0 to solve the error')
        return convert_overlay_heatmap(featmap, overlaid_image, alpha)
    return _topk_grid(featmap, overlaid_image, topk, arrangement, alpha)
