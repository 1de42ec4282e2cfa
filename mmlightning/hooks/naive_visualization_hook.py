"""``NaiveVisualizationHook``: draw each test sample with the visualizer (MMEngine's hook)."""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from mmlightning.registry import HOOKS
from mmlightning.utils.dl_utils import tensor2imgs

from .hook import DATA_BATCH, Hook


@HOOKS.register_module()
class NaiveVisualizationHook(Hook):
    """Show or write the predictions of the test loop with ``runner.visualizer``.

    Each sample of a batch (a ``dict(inputs=..., data_sample=...)``) is turned
    back into an image (``img_norm_cfg`` undone), unpadded to its ``scale``
    when it was padded (``pad_shape``), resized to ``(ori_width, ori_height)``
    and passed to ``visualizer.add_datasample`` under the name of its
    ``img_path``. The resize is bilinear with half-pixel centres, as
    ``cv2.resize`` (MMEngine's), without needing OpenCV.

    Args:
        interval: Visualize every ``interval`` test iterations.
        draw_gt: Draw the ground truth.
        draw_pred: Draw the prediction.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 1, draw_gt: bool = True, draw_pred: bool = True) -> None:
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self._interval = interval

    def _unpad(self, input: np.ndarray, unpad_shape: tuple[int, int]) -> np.ndarray:
        """The top-left ``(width, height)`` of ``input``: the image before padding."""
        unpad_width, unpad_height = unpad_shape
        return input[:unpad_height, :unpad_width]

    def before_train(self, runner: Any) -> None:
        """Add the model's graph to the visualizer."""
        runner.visualizer.add_graph(runner.model, None)

    def after_test_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Sequence | None = None) -> None:
        """Draw every sample of the batch, every ``interval`` iterations."""
        if not self.every_n_inner_iters(batch_idx, self._interval):
            return
        for data, output in zip(data_batch, outputs):  # type: ignore[arg-type]
            data_sample = data['data_sample']
            image = tensor2imgs(data['inputs'], **data_sample.get('img_norm_cfg', dict()))[0]
            ori_shape = (data_sample.ori_width, data_sample.ori_height)
            if 'pad_shape' in data_sample:
                image = self._unpad(image, data_sample.get('scale', ori_shape))
            origin_image = _resize(image, ori_shape)
            name = osp.basename(data_sample.img_path)
            runner.visualizer.add_datasample(name, origin_image, data_sample, output,
                                             self.draw_gt, self.draw_pred)


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` (H, W, C) resized bilinearly to ``size`` = (width, height)."""
    chw = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
    resized = F.interpolate(chw, size=(size[1], size[0]), mode='bilinear', align_corners=False)
    out = resized[0].permute(1, 2, 0).numpy()
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(image.dtype)
