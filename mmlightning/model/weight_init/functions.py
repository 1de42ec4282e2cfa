"""Functional weight initialisers: fill a module's ``weight`` and ``bias`` in place."""
from __future__ import annotations

import math
import warnings
from typing import Any

import torch
from torch import Tensor, nn

_DISTRIBUTIONS = ('uniform', 'normal')


def _has(module: nn.Module, name: str) -> bool:
    return getattr(module, name, None) is not None


def _fill_bias(module: nn.Module, bias: float) -> None:
    if _has(module, 'bias'):
        nn.init.constant_(module.bias, bias)


def _check_distribution(distribution: str) -> None:
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    """Fill ``module.weight`` with ``val`` and ``module.bias`` with ``bias``."""
    if _has(module, 'weight'):
        nn.init.constant_(module.weight, val)
    _fill_bias(module, bias)


def xavier_init(module: nn.Module, gain: float = 1, bias: float = 0,
                distribution: str = 'normal') -> None:
    """Glorot initialisation of ``module.weight``; ``bias`` fills ``module.bias``.

    Raises:
        ValueError: If ``distribution`` is not ``'uniform'`` or ``'normal'``.
    """
    _check_distribution(distribution)
    if _has(module, 'weight'):
        if distribution == 'uniform':
            nn.init.xavier_uniform_(module.weight, gain=gain)
        else:
            nn.init.xavier_normal_(module.weight, gain=gain)
    _fill_bias(module, bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    """Draw ``module.weight`` from N(mean, std^2); ``bias`` fills ``module.bias``."""
    if _has(module, 'weight'):
        nn.init.normal_(module.weight, mean, std)
    _fill_bias(module, bias)


def trunc_normal_init(module: nn.Module, mean: float = 0, std: float = 1, a: float = -2,
                      b: float = 2, bias: float = 0) -> None:
    """Draw ``module.weight`` from N(mean, std^2) truncated to ``[a, b]``."""
    if _has(module, 'weight'):
        trunc_normal_(module.weight, mean, std, a, b)
    _fill_bias(module, bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    """Draw ``module.weight`` from U(a, b); ``bias`` fills ``module.bias``."""
    if _has(module, 'weight'):
        nn.init.uniform_(module.weight, a, b)
    _fill_bias(module, bias)


def kaiming_init(module: nn.Module, a: float = 0, mode: str = 'fan_out',
                 nonlinearity: str = 'relu', bias: float = 0,
                 distribution: str = 'normal') -> None:
    """He initialisation of ``module.weight``; ``bias`` fills ``module.bias``.

    Raises:
        ValueError: If ``distribution`` is not ``'uniform'`` or ``'normal'``.
    """
    _check_distribution(distribution)
    if _has(module, 'weight'):
        fill = nn.init.kaiming_uniform_ if distribution == 'uniform' else nn.init.kaiming_normal_
        fill(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    _fill_bias(module, bias)


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's ``XavierFill``, which is PyTorch's ``kaiming_uniform_`` with ``a=1``, fan in."""
    kaiming_init(module, a=1, mode='fan_in', nonlinearity='leaky_relu', bias=bias,
                 distribution='uniform')


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias whose sigmoid is ``prior_prob``: ``-log((1 - p) / p)``."""
    return float(-math.log((1 - prior_prob) / prior_prob))


def trunc_normal_(tensor: Tensor, mean: float = 0., std: float = 1., a: float = -2.,
                  b: float = 2.) -> Tensor:
    """Fill ``tensor`` in place from N(mean, std^2) truncated to ``[a, b]``.

    Inverse-CDF sampling (the method of ``torch.nn.init.trunc_normal_``), so
    the same seed gives MMEngine's values.

    Returns:
        The filled ``tensor``.
    """
    def norm_cdf(x: float) -> float:
        return (1. + math.erf(x / math.sqrt(2.))) / 2.

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. '
                      'The distribution of values may be incorrect.', stacklevel=2)
    with torch.no_grad():
        lower = norm_cdf((a - mean) / std)
        upper = norm_cdf((b - mean) / std)
        tensor.uniform_(2 * lower - 1, 2 * upper - 1)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.))
        tensor.add_(mean)
        tensor.clamp_(min=a, max=b)
    return tensor


def update_init_info(module: nn.Module, init_info: str) -> None:
    """Record ``init_info`` for every parameter of ``module`` whose value changed.

    ``module._params_init_info`` (set by :meth:`BaseModule.init_weights`)
    maps each parameter to its ``init_info`` and the mean it had when last
    recorded; a changed mean means the parameter was (re)initialised.

    Raises:
        RuntimeError: If ``module`` has no ``_params_init_info`` or holds a
            parameter created during ``init_weights``.
    """
    info: Any = getattr(module, '_params_init_info', None)
    if info is None:
        raise RuntimeError(f'{type(module).__name__} has no _params_init_info; '
                           'update_init_info is called from BaseModule.init_weights')
    for name, param in module.named_parameters():
        if param not in info:
            raise RuntimeError(
                f'found a new parameter {name!r} while running init_weights of '
                f'{type(module).__name__}; do not add or replace parameters in init_weights.')
        mean_value = param.data.mean().cpu()
        if info[param]['tmp_mean_value'] != mean_value:
            info[param]['init_info'] = init_info
            info[param]['tmp_mean_value'] = mean_value
