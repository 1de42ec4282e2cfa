"""``masked_im2col_forward`` / ``masked_col2im_forward``: mmcv's ``MaskedConv2d`` kernels.

``MaskedConv2d`` convolves only at the pixels of a mask: ``masked_im2col`` gathers the
``kernel_h x kernel_w`` patch (zero padded) of each masked pixel of the first image into
``data_col`` ``(C * kh * kw, M)``, mmcv multiplies it by the weights, and ``masked_col2im`` writes
the ``(C_out, M)`` result back to those pixels of the output.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['masked_col2im_forward', 'masked_im2col_forward']


def masked_im2col_forward(im: Tensor, mask_h_idx: Tensor, mask_w_idx: Tensor, col: Tensor,
                          kernel_h: int, kernel_w: int, pad_h: int, pad_w: int) -> None:
    """Writes the patches of ``im[0]`` at the masked pixels into ``col`` (C * kh * kw, M)."""
    channels = im.shape[1]
    padded = F.pad(im[0], (pad_w, max(kernel_w - 1 - pad_w, 0), pad_h,
                           max(kernel_h - 1 - pad_h, 0)))
    rows = torch.arange(kernel_h, device=im.device)[:, None] + mask_h_idx[None, :].long()
    cols = torch.arange(kernel_w, device=im.device)[:, None] + mask_w_idx[None, :].long()
    # (C, kh, kw, M): padded[c, h_m + i, w_m + j]
    patches = padded[:, rows[:, None, :], cols[None, :, :]]
    col.copy_(patches.reshape(channels * kernel_h * kernel_w, -1))


def masked_col2im_forward(col: Tensor, mask_h_idx: Tensor, mask_w_idx: Tensor, im: Tensor,
                          height: int, width: int, channels: int) -> None:
    """Writes the columns ``col`` (C_out, M) to the masked pixels of ``im[0]``."""
    del height, width, channels
    im[0, :, mask_h_idx.long(), mask_w_idx.long()] = col.to(im.dtype)
