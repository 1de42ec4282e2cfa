"""``psamask_*``: mmcv's point-wise spatial attention mask (PSANet) kernels.

For every feature pixel ``(h, w)`` the ``h_mask x w_mask`` mask channels centred on it are placed
over the whole ``h_feature x w_feature`` map: ``'collect'`` writes mask value ``(i, j)`` at
``output[n, (h + i - half_h) * W + (w + j - half_w), h, w]``, ``'distribute'`` at
``output[n, h * W + w, h + i - half_h, w + j - half_w]``; positions that fall off the map are
left 0. Both directions are one gather/scatter with index maps computed once per call.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['psamask_backward', 'psamask_forward']

_TYPES = {'collect': 0, 'distribute': 1}


def _psa_type(psa_type: int | str) -> int:
    """mmcv passes ``0``/``1`` (the module) or the name; both are accepted."""
    if isinstance(psa_type, str):
        if psa_type not in _TYPES:
            raise ValueError(f"psa_type must be 'collect' or 'distribute', got {psa_type!r}")
        return _TYPES[psa_type]
    if psa_type not in (0, 1):
        raise ValueError(f'psa_type must be 0 (collect) or 1 (distribute), got {psa_type!r}')
    return int(psa_type)


def _index_maps(psa_type: int, h_feature: int, w_feature: int, h_mask: int, w_mask: int,
                half_h_mask: int, half_w_mask: int, device: torch.device) -> tuple[Tensor, Tensor]:
    """Flat indices ``(into the mask, into the output)`` of one sample's valid pairs."""
    i, j, h, w = torch.meshgrid(torch.arange(h_mask, device=device),
                                torch.arange(w_mask, device=device),
                                torch.arange(h_feature, device=device),
                                torch.arange(w_feature, device=device), indexing='ij')
    y = h + i - half_h_mask
    x = w + j - half_w_mask
    valid = (y >= 0) & (y < h_feature) & (x >= 0) & (x < w_feature)
    pixels = h_feature * w_feature
    pixel = h * w_feature + w
    source = (i * w_mask + j) * pixels + pixel
    target = y * w_feature + x
    target = target * pixels + pixel if psa_type == 0 else pixel * pixels + target
    return source[valid], target[valid]


def psamask_forward(input: Tensor, output: Tensor, psa_type: int | str, num_: int,
                    h_feature: int, w_feature: int, h_mask: int, w_mask: int, half_h_mask: int,
                    half_w_mask: int) -> None:
    """Scatters the masks ``input`` (N, h_mask * w_mask, H, W) into ``output`` (N, H*W, H, W)."""
    source, target = _index_maps(_psa_type(psa_type), h_feature, w_feature, h_mask, w_mask,
                                 half_h_mask, half_w_mask, input.device)
    flat = output.view(num_, -1)
    flat[:, target] = input.reshape(num_, -1)[:, source].to(output.dtype)


def psamask_backward(grad_output: Tensor, grad_input: Tensor, psa_type: int | str, num_: int,
                     h_feature: int, w_feature: int, h_mask: int, w_mask: int,
                     half_h_mask: int, half_w_mask: int) -> None:
    """Gathers ``grad_output`` back into the mask layout ``grad_input``."""
    source, target = _index_maps(_psa_type(psa_type), h_feature, w_feature, h_mask, w_mask,
                                 half_h_mask, half_w_mask, grad_output.device)
    flat = grad_input.view(num_, -1)
    flat[:, source] = grad_output.reshape(num_, -1)[:, target].to(grad_input.dtype)
