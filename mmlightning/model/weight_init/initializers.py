"""Initialiser classes built from ``init_cfg`` entries (``WEIGHT_INITIALIZERS``)."""
from __future__ import annotations

from typing import Any

from torch import nn

from mmlightning.registry import WEIGHT_INITIALIZERS
from mmlightning.utils.suggestions import did_you_mean

from .functions import (
    bias_init_with_prob,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    update_init_info,
    xavier_init,
)


def _layer_names(module: nn.Module) -> set[str]:
    """The names ``layer=`` matches for ``module``: its class and its direct bases (MMEngine)."""
    cls = type(module)
    return {cls.__name__, *(base.__name__ for base in cls.__bases__)}


def _module_class_names() -> set[str]:
    """Names of every ``nn.Module`` subclass defined so far (torch's, the model's, plugins')."""
    seen: set[type] = set()
    stack: list[type] = [nn.Module]
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.add(cls)
            stack.extend(cls.__subclasses__())
    return {cls.__name__ for cls in seen}


def _check_layers(layers: list[str], module: nn.Module, init_name: str) -> None:
    """Reject ``layer`` names that name no module class at all (typos).

    A real class name that the model happens not to contain is fine (it
    matches nothing, as in MMEngine); ``'Conv2D'`` for ``'Conv2d'`` is not.
    """
    if not layers:
        return
    known = _module_class_names()
    unknown = [layer for layer in layers if layer not in known]
    if unknown:
        raise ValueError(
            f'{init_name}: layer={unknown[0]!r} names no nn.Module class (checked '
            f'{type(module).__name__} and every imported module class).'
            f'{did_you_mean(unknown[0], known)} '
            'layer= takes class names such as "Conv2d" or "Linear".')


class BaseInit:
    """Base of the initialisers: which layers to touch and the bias value.

    Args:
        bias: Value to fill biases with.
        bias_prob: If given, biases are filled with
            :func:`bias_init_with_prob` of it instead of ``bias``.
        layer: Class name(s) of the layers to initialise (a layer matches by
            its class name or the name of a direct base class).

    Raises:
        TypeError: If ``bias``, ``bias_prob`` or ``layer`` has the wrong type.
    """

    def __init__(self, *, bias: float = 0, bias_prob: float | None = None,
    layer: str | list[str] | None = None) -> None:
        self.wholemodule = False
        if not isinstance(bias, (int, float)):
            raise TypeError(f'bias must be a number, got {bias!r} ({type(bias).__name__})')
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise TypeError(f'bias_prob must be a float, got {bias_prob!r} '
                            f'({type(bias_prob).__name__})')
        if layer is not None and not isinstance(layer, (str, list)):
            raise TypeError(f'layer must be a str or a list of str, got {layer!r} '
                            f'({type(layer).__name__})')
        self.bias = bias_init_with_prob(bias_prob) if bias_prob is not None else bias
        self.layer: list[str] = [layer] if isinstance(layer, str) else list(layer or [])

    def init_module(self, module: nn.Module) -> None:
        """Initialise one layer (subclasses call their functional initialiser)."""
        raise NotImplementedError(f'{type(self).__name__} must implement init_module')

    def __call__(self, module: nn.Module) -> None:
        """Initialise ``module`` whole (``override``) or its layers named in ``layer``."""
        if not self.wholemodule:
            _check_layers(self.layer, module, type(self).__name__)
        targets = set(self.layer)

        def init(m: nn.Module) -> None:
            if self.wholemodule or targets & _layer_names(m):
                self.init_module(m)

        module.apply(init)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}, bias={self.bias}'


@WEIGHT_INITIALIZERS.register_module(name='Constant')
class ConstantInit(BaseInit):
    """Fill weights with ``val`` (biases with ``bias``).

    Args:
        val: Weight value.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, val: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.val = val

    def init_module(self, module: nn.Module) -> None:
        constant_init(module, self.val, self.bias)

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}: val={self.val}, bias={self.bias}'


@WEIGHT_INITIALIZERS.register_module(name='Xavier')
class XavierInit(BaseInit):
    """Glorot initialisation.

    Args:
        gain: Scaling factor.
        distribution: ``'normal'`` or ``'uniform'``.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, gain: float = 1, distribution: str = 'normal', **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gain = gain
        self.distribution = distribution

    def init_module(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (f'{type(self).__name__}: gain={self.gain}, '
                f'distribution={self.distribution}, bias={self.bias}')


@WEIGHT_INITIALIZERS.register_module(name='Normal')
class NormalInit(BaseInit):
    """Weights from N(mean, std^2).

    Args:
        mean: Mean of the distribution.
        std: Standard deviation of the distribution.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, mean: float = 0, std: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std

    def init_module(self, module: nn.Module) -> None:
        normal_init(module, self.mean, self.std, self.bias)

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}: mean={self.mean}, std={self.std}, bias={self.bias}'


@WEIGHT_INITIALIZERS.register_module(name='TruncNormal')
class TruncNormalInit(BaseInit):
    """Weights from N(mean, std^2) truncated to ``[a, b]``.

    Args:
        mean: Mean of the distribution.
        std: Standard deviation of the distribution.
        a: Lower cutoff.
        b: Upper cutoff.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std
        self.a = a
        self.b = b

    def init_module(self, module: nn.Module) -> None:
        trunc_normal_init(module, self.mean, self.std, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return (f'{type(self).__name__}: a={self.a}, b={self.b}, mean={self.mean}, '
                f'std={self.std}, bias={self.bias}')


@WEIGHT_INITIALIZERS.register_module(name='Uniform')
class UniformInit(BaseInit):
    """Weights from U(a, b).

    Args:
        a: Lower bound.
        b: Upper bound.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, a: float = 0, b: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a = a
        self.b = b

    def init_module(self, module: nn.Module) -> None:
        uniform_init(module, self.a, self.b, self.bias)

    def _get_init_info(self) -> str:
        return f'{type(self).__name__}: a={self.a}, b={self.b}, bias={self.bias}'


@WEIGHT_INITIALIZERS.register_module(name='Kaiming')
class KaimingInit(BaseInit):
    """He initialisation.

    Args:
        a: Negative slope of the rectifier (``'leaky_relu'`` only).
        mode: ``'fan_in'`` or ``'fan_out'``.
        nonlinearity: ``torch.nn.functional`` name of the non-linearity.
        distribution: ``'normal'`` or ``'uniform'``.
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu',
    distribution: str = 'normal', **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a = a
        self.mode = mode
        self.nonlinearity = nonlinearity
        self.distribution = distribution

    def init_module(self, module: nn.Module) -> None:
        kaiming_init(module, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)

    def _get_init_info(self) -> str:
        return (f'{type(self).__name__}: a={self.a}, mode={self.mode}, '
                f'nonlinearity={self.nonlinearity}, '
                f'distribution ={self.distribution}, bias={self.bias}')


@WEIGHT_INITIALIZERS.register_module(name='Caffe2Xavier')
class Caffe2XavierInit(KaimingInit):
    """Caffe2's ``XavierFill``: Kaiming uniform, ``a=1``, fan in, leaky ReLU.

    Args:
        **kwargs: ``bias``, ``bias_prob``, ``layer`` (see :class:`BaseInit`).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(a=1, mode='fan_in', nonlinearity='leaky_relu', distribution='uniform',
                         **kwargs)


