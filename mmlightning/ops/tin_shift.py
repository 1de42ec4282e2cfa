"""``tin_shift_*``: mmcv's temporal interlace shift (TIN) kernels.

``input`` is ``(N, T, C, HW)`` and ``shift`` ``(N, G)`` integers; channel group ``g`` (of
``C // G`` channels) of frame ``t`` moves to frame ``t + shift[n, g]``, frames shifted past
either end are dropped and the vacated ones are 0. The whole shift is one gather.

mmcv's backward kernel applies the same shift (``+shift``) to the output gradient, which is not
the transpose of the forward (that would be ``-shift``); mmcv's tests assert those values and
models trained with a compiled mmcv got them, so :func:`tin_shift_backward` does the same.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['tin_shift_backward', 'tin_shift_forward']


def _shift_frames(values: Tensor, shift: Tensor, out: Tensor) -> None:
    """Writes ``values`` with each channel group moved by its frame shift into ``out``."""
    batch, frames, channels, pixels = values.shape
    groups = shift.shape[1]
    per_channel = shift.long().repeat_interleave(channels // groups, dim=1)  # (N, C)
    # output frame t reads input frame t - shift
    source = torch.arange(frames, device=values.device)[None, :, None] - per_channel[:, None]
    valid = (source >= 0) & (source < frames)
    index = source.clamp(0, frames - 1)[..., None].expand(batch, frames, channels, pixels)
    gathered = values.gather(1, index)
    out.copy_(gathered * valid[..., None].to(values.dtype))


def tin_shift_forward(input: Tensor, shift: Tensor, output: Tensor) -> None:
    """Writes ``input`` shifted in time by ``shift`` into ``output``."""
    _shift_frames(input, shift, output)


def tin_shift_backward(grad_output: Tensor, shift: Tensor, grad_input: Tensor) -> None:
    """Writes mmcv's gradient for ``input`` (``grad_output`` shifted by ``+shift``, as mmcv's
    kernel) into ``grad_input``."""
    _shift_frames(grad_output, shift, grad_input)
