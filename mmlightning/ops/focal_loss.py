"""Sigmoid and softmax focal loss kernels (Lin et al., 2017), mmcv's formulas.

Both write per-element (sigmoid) or per-sample (softmax) losses and their gradients into the
tensors the wrapper allocated; the wrapper reduces. ``weight`` is a per-class weight read at each
sample's target class (empty for none). Logarithms are of ``max(p, FLT_MIN)``, as in mmcv. Half
and bfloat16 inputs are computed in float32.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['sigmoid_focal_loss_backward', 'sigmoid_focal_loss_forward',
           'softmax_focal_loss_backward', 'softmax_focal_loss_forward']

_FLT_MIN = torch.finfo(torch.float32).tiny


def _compute(tensor: Tensor) -> Tensor:
    """``tensor`` in the dtype the arithmetic runs in (float32 for half / bfloat16)."""
    return tensor.float() if tensor.dtype in (torch.half, torch.bfloat16) else tensor


def _class_weight(weight: Tensor, target: Tensor, like: Tensor) -> Tensor | None:
    """Each sample's weight (N,), ``weight[target]``, or None without weights."""
    if weight.numel() == 0:
        return None
    if bool(((target < 0) | (target >= weight.numel())).any()):
        raise IndexError(f'focal loss: a target is outside [0, {weight.numel()}), the classes of '
                         f'`weight` (targets range {int(target.min())}..{int(target.max())})')
    return weight.to(like.dtype)[target]


def _sigmoid_terms(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    x = _compute(input)
    p = torch.sigmoid(x)
    classes = torch.arange(x.size(1), device=x.device)
    positive = (target[:, None] == classes[None]).to(x.dtype)
    return p, positive, 1 - positive


def sigmoid_focal_loss_forward(input: Tensor, target: Tensor, weight: Tensor, output: Tensor,
                               gamma: float = 2.0, alpha: float = 0.25) -> None:
    """Writes ``-alpha (1-p)^gamma log p`` (target class) / ``-(1-alpha) p^gamma log(1-p)``.

    Args:
        input: (N, C) logits.
        target: (N,) class indices (``C`` or any other value: no positive class).
        weight: (C,) class weights or empty.
        output: (N, C), written in place.
        gamma: Focusing parameter.
        alpha: Weight of the positive term.
    """
    p, positive, negative = _sigmoid_terms(input, target)
    term_p = (1 - p).pow(gamma) * torch.log(p.clamp(min=_FLT_MIN))
    term_n = p.pow(gamma) * torch.log((1 - p).clamp(min=_FLT_MIN))
    loss = -positive * alpha * term_p - negative * (1 - alpha) * term_n
    scale = _class_weight(weight, target, loss)
    if scale is not None:
        loss = loss * scale[:, None]
    output.copy_(loss)


def sigmoid_focal_loss_backward(input: Tensor, target: Tensor, weight: Tensor, grad_input: Tensor,
                                gamma: float = 2.0, alpha: float = 0.25) -> None:
    """Writes the derivative of :func:`sigmoid_focal_loss_forward`'s output w.r.t. ``input``."""
    p, positive, negative = _sigmoid_terms(input, target)
    term_p = (1 - p).pow(gamma) * (1 - p - gamma * p * torch.log(p.clamp(min=_FLT_MIN)))
    term_n = p.pow(gamma) * (gamma * (1 - p) * torch.log((1 - p).clamp(min=_FLT_MIN)) - p)
    grad = -positive * alpha * term_p - negative * (1 - alpha) * term_n
    scale = _class_weight(weight, target, grad)
    if scale is not None:
        grad = grad * scale[:, None]
    grad_input.copy_(grad)


def _target_probability(softmax: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The softmax at each sample's target (N,), whether it has one, and the clamped target."""
    probabilities = _compute(softmax)
    labelled = target >= 0
    safe = target.clamp(min=0)
    return probabilities.gather(1, safe[:, None])[:, 0], labelled, safe


def softmax_focal_loss_forward(softmax: Tensor, target: Tensor, weight: Tensor, output: Tensor,
                               gamma: float = 2.0, alpha: float = 0.25) -> None:
    """Writes ``-alpha (1-p_t)^gamma log p_t`` per sample (0 for a negative target).

    Args:
        softmax: (N, C) class probabilities (the wrapper's softmax of the logits).
        target: (N,) class indices.
        weight: (C,) class weights or empty.
        output: (N,), written in place.
        gamma: Focusing parameter.
        alpha: Loss weight.
    """
    pred, labelled, safe = _target_probability(softmax, target)
    loss = -alpha * (1 - pred).pow(gamma) * torch.log(pred.clamp(min=_FLT_MIN))
    loss = torch.where(labelled, loss, torch.zeros_like(loss))
    scale = _class_weight(weight, safe, loss)
    output.copy_(loss if scale is None else loss * scale)


def softmax_focal_loss_backward(softmax: Tensor, target: Tensor, weight: Tensor, buff: Tensor,
                                grad_input: Tensor, gamma: float = 2.0,
                                alpha: float = 0.25) -> None:
    """Writes the gradient w.r.t. the logits into ``grad_input`` (N, C), via ``buff`` (N,).

    As mmcv's two passes:
    ``buff[n] = alpha * (gamma (1-p_t)^(gamma-1) p_t log p_t - (1-p_t)^gamma)``
    (times the class weight), then ``grad_input[n, c] = buff[n] * ([c == t_n] - p_c)``.
    """
    pred, labelled, safe = _target_probability(softmax, target)
    one_minus = 1 - pred
    factor = alpha * (-one_minus.pow(gamma) + gamma * one_minus.pow(gamma - 1) * pred *
                      torch.log(pred.clamp(min=_FLT_MIN)))
    factor = torch.where(labelled, factor, torch.zeros_like(factor))
    scale = _class_weight(weight, safe, factor)
    if scale is not None:
        factor = factor * scale
    buff.copy_(factor)
    probabilities = _compute(softmax)
    classes = torch.arange(softmax.size(1), device=softmax.device)
    flag = (target[:, None] == classes[None]).to(probabilities.dtype)
    grad_input.copy_(factor[:, None] * (flag - probabilities))
