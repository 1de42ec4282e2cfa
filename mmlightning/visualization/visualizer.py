"""``Visualizer``: draw on images with matplotlib and record data to vis backends."""
from __future__ import annotations

import inspect
import os.path as osp
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from mmlightning.dist import master_only
from mmlightning.registry import VISBACKENDS, VISUALIZERS
from mmlightning.registry.key_paths import key_path_of, located
from mmlightning.utils import ManagerMixin

from .base_backend import BaseVisBackend
from .drawing import DrawingMixin
from .featmap import draw_featmap
from .local_backend import LocalVisBackend
from .utils import (
    LazyModule,
    VisualizerTypeError,
    img_from_canvas,
    in_notebook,
    wait_continue,
)

VisBackendsType = list | dict | BaseVisBackend | None

# OpenCV is optional: only ``show(backend='cv2')`` needs it, imported on first use
cv2 = LazyModule('cv2', 'opencv-python', "Visualizer.show(backend='cv2')")


def _build_backend(cfg: dict | BaseVisBackend, save_dir: str | None
                   ) -> tuple[str | None, BaseVisBackend]:
    if isinstance(cfg, BaseVisBackend):
        return None, cfg
    path, cfg = key_path_of(cfg), dict(cfg)
    name = cfg.pop('name', None)
    cfg.setdefault('save_dir', save_dir)
    with located(cfg, path):  # build errors name 'visualizer.vis_backends[0]'
        return name, VISBACKENDS.build(cfg)


def _needs_save_dir(backend: BaseVisBackend) -> bool:
    """Whether ``save_dir`` is a required argument of the backend and was given None."""
    param = inspect.signature(type(backend).__init__).parameters.get('save_dir')
    return (param is not None and param.default is param.empty
            and getattr(backend, '_save_dir', None) is None)


@VISUALIZERS.register_module()
class Visualizer(DrawingMixin, ManagerMixin):
    """Draw boxes, texts, masks, ... on an image and record data to vis backends.

    Drawing happens on a matplotlib Agg canvas holding the image of
    :meth:`set_image`; :meth:`get_image` returns the result as RGB. ``add_*``
    calls go to every backend (on the main process only).

    Args:
        name: Name of the instance. Defaults to 'visualizer'.
        image: RGB image to draw on. Defaults to None.
        vis_backends: Backend configs (``dict(type='LocalVisBackend')``) or
            instances, one or a list. Defaults to None.
        save_dir: Backends write to ``<save_dir>/vis_data``; a backend that needs a
            directory is skipped with a warning when this is None.
        fig_save_cfg: ``Figure`` kwargs of the drawing canvas.
        fig_show_cfg: ``Figure`` kwargs of the window opened by :meth:`show`.

    Raises:
        TypeError: If ``vis_backends`` holds something other than dicts or backends.
        RuntimeError: If two backends get the same name.

    Example::

        >>> vis = Visualizer(image=np.zeros((32, 32, 3), np.uint8))
        >>> vis.draw_bboxes(np.array([4, 4, 20, 20]), edge_colors='r').get_image().shape
        (32, 32, 3)
    """

    def __init__(self, name: str = 'visualizer', image: np.ndarray | None = None,
                 vis_backends: VisBackendsType = None, save_dir: str | None = None,
                 fig_save_cfg: dict | None = None, fig_show_cfg: dict | None = None) -> None:
        super().__init__(name)
        self._dataset_meta: dict | None = None
        self._vis_backends: dict[str, BaseVisBackend] = {}
        self._image: np.ndarray | None = None
        self.manager: Any = None  # the matplotlib figure manager of show(), made on first use
        self._add_backends(vis_backends, save_dir)
        self.fig_save_cfg = dict(frameon=False) if fig_save_cfg is None else fig_save_cfg
        self.fig_show_cfg = dict(frameon=False) if fig_show_cfg is None else fig_show_cfg
        self.fig_save_canvas, self.fig_save, self.ax_save = self._initialize_fig(self.fig_save_cfg)
        self.dpi = self.fig_save.get_dpi()
        if image is not None:
            self.set_image(image)

    def _add_backends(self, vis_backends: VisBackendsType, save_dir: str | None) -> None:
        if vis_backends is None:
            vis_backends = []
        if isinstance(vis_backends, (dict, BaseVisBackend)):
            vis_backends = [vis_backends]
        if not isinstance(vis_backends, Sequence) or not all(
                isinstance(b, (dict, BaseVisBackend)) for b in vis_backends):
            raise TypeError('vis_backends must be a list of dicts or a list of BaseVisBackend '
                            f'instances, got {vis_backends!r}')
        save_dir = osp.join(save_dir, 'vis_data') if save_dir is not None else None
        for cfg in vis_backends:
            name, backend = _build_backend(cfg, save_dir)
            if _needs_save_dir(backend):
                warnings.warn(f'Failed to add {type(backend)}, please provide the `save_dir` '
                              'argument.', stacklevel=3)
                continue
            name = name or type(backend).__name__
            if name in self._vis_backends:
                raise RuntimeError(f'vis_backend name {name} already exists; give the backends '
                                   "distinct `name=` keys")
            self._vis_backends[name] = backend

    @staticmethod
    def _initialize_fig(fig_cfg: dict) -> tuple[Any, Any, Any]:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(**fig_cfg)
        ax = fig.add_subplot()
        ax.axis(False)
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
        return FigureCanvasAgg(fig), fig, ax

    @property  # type: ignore[misc]
    @master_only
    def dataset_meta(self) -> dict | None:
        """Meta information of the dataset (class names, palette, ...)."""
        return self._dataset_meta

    @dataset_meta.setter  # type: ignore[misc]
    @master_only
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta

    @master_only
    def set_image(self, image: np.ndarray) -> None:
        """Set the RGB image to draw on (converted to uint8).

        Raises:
            VisualizerTypeError: If ``image`` is not an array (a ``TypeError`` and an
                ``AssertionError``, as MMEngine asserts ``image is not None``).
        """
        if not isinstance(image, np.ndarray):
            raise VisualizerTypeError(
                f'image should be an np.ndarray (H, W, 3), got {type(image).__name__}')
        image = image.astype('uint8')
        self._image = image
        self.width, self.height = image.shape[1], image.shape[0]
        self._default_font_size = max(np.sqrt(self.height * self.width) // 90, 10)
        # 1e-2 avoids matplotlib truncating the size to one pixel less
        self.fig_save.set_size_inches((self.width + 1e-2) / self.dpi,
                                      (self.height + 1e-2) / self.dpi)
        self.ax_save.cla()
        self.ax_save.axis(False)
        self.ax_save.imshow(image, extent=(0, self.width, self.height, 0), interpolation='none')

    @master_only
    def get_image(self) -> np.ndarray:
        """Return the drawn image as RGB uint8 ``(H, W, 3)``.

        Raises:
            RuntimeError: If no image was set.
        """
        if self._image is None:
            raise RuntimeError('Please set image using `set_image` before drawing or get_image')
        return img_from_canvas(self.fig_save_canvas)

    @master_only
    def show(self, drawn_img: np.ndarray | None = None, win_name: str = 'image',
             wait_time: float = 0., continue_key: str = ' ', backend: str = 'matplotlib') -> None:
        """Show the drawn image (or ``drawn_img``).

        With ``backend='matplotlib'``: in a Jupyter notebook the image is displayed
        inline; otherwise it is drawn in the window of :attr:`manager` (one per
        visualizer), which stays until ``continue_key`` is pressed, the window is
        closed or ``wait_time`` seconds pass (0: no time limit); headless (a
        non-interactive matplotlib backend) it warns and returns. ``backend='cv2'``
        shows it in an OpenCV window (needs ``opencv-python``) for ``wait_time``
        seconds (0: until a key).

        Raises:
            ValueError: If ``backend`` is neither 'matplotlib' nor 'cv2'.
        """
        if backend not in ('matplotlib', 'cv2'):
            raise ValueError(f'backend should be "matplotlib" or "cv2", but got {backend!r} '
                             'instead')
        img = self.get_image() if drawn_img is None else drawn_img
        if backend == 'cv2':
            window = str(id(self))  # one window per visualizer, its title updated
            cv2.namedWindow(winname=window)
            cv2.setWindowTitle(window, win_name)
            is_rgb = img.ndim == 3 and img.shape[2] == 3
            cv2.imshow(window, img[..., ::-1] if is_rgb else img)  # OpenCV reads BGR
            cv2.waitKey(int(np.ceil(wait_time * 1000)))
            return
        if in_notebook():
            from IPython.display import display
            from PIL import Image

            display(Image.fromarray(img))
            return
        self._init_manager(win_name)
        fig = self.manager.canvas.figure
        fig.clear()
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)  # no white edges
        ax = fig.add_subplot()
        ax.axis(False)
        ax.imshow(img)
        self.manager.canvas.draw()
        wait_continue(fig, timeout=wait_time, continue_key=continue_key)

    def _init_manager(self, win_name: str) -> None:
        """Create :attr:`manager`, the figure manager of :meth:`show`, once, and set its title."""
        from matplotlib.figure import Figure
        from matplotlib.pyplot import new_figure_manager

        if self.manager is None:
            self.manager = new_figure_manager(num=1, FigureClass=Figure, **self.fig_show_cfg)
        try:
            self.manager.set_window_title(win_name)
        except Exception:  # the window was closed: open a new one
            self.manager = new_figure_manager(num=1, FigureClass=Figure, **self.fig_show_cfg)
            self.manager.set_window_title(win_name)

    @master_only
    def get_backend(self, name: str) -> BaseVisBackend | None:
        """Return the backend called ``name`` (its class name unless configured), or None."""
        return self._vis_backends.get(name)

    draw_featmap = staticmethod(master_only(draw_featmap))

    @master_only
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config (a ``Config`` or a dict) to every backend."""
        for vis_backend in self._vis_backends.values():
            vis_backend.add_config(config, **kwargs)

    @master_only
    def add_graph(self, model: torch.nn.Module, data_batch: Sequence[dict], **kwargs: Any) -> None:
        """Record the model graph to every backend."""
        for vis_backend in self._vis_backends.values():
            vis_backend.add_graph(model, data_batch, **kwargs)

    @master_only
    def add_image(self, name: str, image: np.ndarray, step: int = 0) -> None:
        """Record an RGB uint8 image to every backend."""
        for vis_backend in self._vis_backends.values():
            vis_backend.add_image(name, image, step)

    @master_only
    def add_scalar(self, name: str, value: int | float, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar to every backend."""
        for vis_backend in self._vis_backends.values():
            vis_backend.add_scalar(name, value, step, **kwargs)

    @master_only
    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None,
                    **kwargs: Any) -> None:
        """Record several scalars to every backend; ``file_path`` is an extra local JSON file."""
        for vis_backend in self._vis_backends.values():
            vis_backend.add_scalars(scalar_dict, step, file_path, **kwargs)

    @master_only
    def add_datasample(self, name: str, image: np.ndarray, data_sample: Any = None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: int = 0, step: int = 0) -> None:
        """Draw a data sample; task visualizers (detection, segmentation, ...) implement it.

        Raises:
            NotImplementedError: Always, in this base class.
        """
        raise NotImplementedError(
            f'{type(self).__name__} does not implement add_datasample; subclass Visualizer and '
            'draw the ground truth / predictions of your task there')

    @master_only
    def plot_scalars(self, out_file: str = 'scalars.png') -> list[str]:
        """Draw the loss, lr and metric curves of every local backend's ``scalars.json``.

        Returns:
            The PNG paths written, one per :class:`LocalVisBackend`.
        """
        return [backend.plot_scalars(out_file) for backend in self._vis_backends.values()
                if isinstance(backend, LocalVisBackend)]

    def close(self) -> None:
        """Close every backend."""
        for vis_backend in self._vis_backends.values():
            vis_backend.close()

    @classmethod
    def get_instance(cls, name: str, **kwargs: Any) -> Visualizer:
        """Like ``ManagerMixin.get_instance``; subclass instances are also found by
        ``Visualizer.get_current_instance()``."""
        instance = super().get_instance(name, **kwargs)
        Visualizer._instance_dict[name] = instance
        return instance
