"""Flop, activation and parameter counts of a model, per submodule (fvcore's, as MMEngine's)."""
from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from torch import Tensor, nn

from .jit_analysis import JitModelAnalysis
from .jit_handles import (
    Handle,
    addmm_flop_jit,
    batchnorm_flop_jit,
    bmm_flop_jit,
    conv_flop_jit,
    einsum_flop_jit,
    elementwise_flop_counter,
    generic_activation_jit,
    linear_flop_jit,
    matmul_flop_jit,
    norm_flop_counter,
)

_DEFAULT_SUPPORTED_FLOP_OPS: dict[str, Handle] = {
    'aten::addmm': addmm_flop_jit,
    'aten::bmm': bmm_flop_jit,
    'aten::_convolution': conv_flop_jit,
    'aten::einsum': einsum_flop_jit,
    'aten::matmul': matmul_flop_jit,
    'aten::mm': matmul_flop_jit,
    'aten::linear': linear_flop_jit,
    'aten::batch_norm': batchnorm_flop_jit,
    'aten::group_norm': norm_flop_counter(2),
    'aten::layer_norm': norm_flop_counter(2),
    'aten::instance_norm': norm_flop_counter(1),
    'aten::upsample_nearest2d': elementwise_flop_counter(0, 1),
    'aten::upsample_bilinear2d': elementwise_flop_counter(0, 4),
    'aten::adaptive_avg_pool2d': elementwise_flop_counter(1, 0),
    'aten::grid_sampler': elementwise_flop_counter(0, 4),  # bilinear assumed
}

_DEFAULT_SUPPORTED_ACT_OPS: dict[str, Handle] = {
    'aten::_convolution': generic_activation_jit('conv'),
    'aten::addmm': generic_activation_jit(),
    'aten::bmm': generic_activation_jit(),
    'aten::einsum': generic_activation_jit(),
    'aten::matmul': generic_activation_jit(),
    'aten::linear': generic_activation_jit(),
}


class FlopAnalyzer(JitModelAnalysis):
    """Flops of a model per submodule and operator, from a trace of its forward.

    Comes with handles for convolutions, matrix products, einsum, normalisations, upsampling,
    adaptive average pooling and grid sampling; add or replace them with ``set_op_handle``. One
    fused multiply-add is one flop, and flops are an estimate, not a measurement.

    Args:
        model: The model to analyse.
        inputs: The inputs of its forward.

    Example:
        >>> model = nn.Sequential(nn.Conv2d(3, 10, 1), nn.Flatten(), nn.Linear(1000, 10))
        >>> flops = FlopAnalyzer(model, (torch.randn(1, 3, 10, 10),))
        >>> flops.total(), flops.by_operator()
        (13000, Counter({'linear': 10000, 'conv': 3000}))
    """

    def __init__(self, model: nn.Module, inputs: Tensor | tuple[Tensor, ...]) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_DEFAULT_SUPPORTED_FLOP_OPS)


class ActivationAnalyzer(JitModelAnalysis):
    """Activations (output elements) of a model's convolutions and matrix products.

    Args:
        model: The model to analyse.
        inputs: The inputs of its forward.

    Example:
        >>> model = nn.Sequential(nn.Conv2d(3, 10, 1), nn.Flatten(), nn.Linear(1000, 10))
        >>> ActivationAnalyzer(model, (torch.randn(1, 3, 10, 10),)).total()
        1010
    """

    def __init__(self, model: nn.Module, inputs: Tensor | tuple[Tensor, ...]) -> None:
        super().__init__(model=model, inputs=inputs)
        self.set_op_handle(**_DEFAULT_SUPPORTED_ACT_OPS)


def _scaled_by_operator(analysis: JitModelAnalysis, scale: float
                        ) -> tuple[defaultdict[str, float], typing.Counter[str]]:
    per_operator: defaultdict[str, float] = defaultdict(float)
    for op, count in analysis.by_operator().items():
        per_operator[op] = count / scale
    return per_operator, analysis.unsupported_ops()


def flop_count(model: nn.Module, inputs: tuple[Any, ...],
               supported_ops: dict[str, Handle] | None = None
               ) -> tuple[defaultdict[str, float], typing.Counter[str]]:
    """Gflops of a model per operator.

    Args:
        model: The model.
        inputs: The inputs of its forward, as a tuple.
        supported_ops: Extra or replacement handles, operator name -> handle.

    Returns:
        Gflops per operator, and how often each unsupported operator ran.
    """
    analyzer = FlopAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    return _scaled_by_operator(analyzer, 1e9)


def activation_count(model: nn.Module, inputs: tuple[Any, ...],
                     supported_ops: dict[str, Handle] | None = None
                     ) -> tuple[defaultdict[str, float], typing.Counter[str]]:
    """Mega-activations of a model per operator.

    Args:
        model: The model.
        inputs: The inputs of its forward, as a tuple.
        supported_ops: Extra or replacement handles, operator name -> handle.

    Returns:
        Millions of activations per operator, and how often each unsupported operator ran.
    """
    analyzer = ActivationAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    return _scaled_by_operator(analyzer, 1e6)


def parameter_count(model: nn.Module) -> defaultdict[str, int]:
    """Elements of every parameter, and of all parameters of every module.

    Args:
        model: The model.

    Returns:
        Parameter or module name -> number of elements; ``''`` is the whole model.
    """
    count: defaultdict[str, int] = defaultdict(int)
    for name, param in model.named_parameters():
        parts = name.split('.')
        for depth in range(len(parts) + 1):
            count['.'.join(parts[:depth])] += param.numel()
    return count


def _format_param_count(count: int) -> str:
    for threshold, scale, suffix in ((1e8, 1e9, 'G'), (1e5, 1e6, 'M'), (1e2, 1e3, 'K')):
        if count > threshold:
            return f'{count / scale:.1f}{suffix}'
    return str(count)


def render_table(table: Table) -> str:
    """The text of a rich table, as a console of the default width prints it."""
    console = Console()
    with console.capture() as capture:
        console.print(table, end='')
    return capture.get()


def parameter_count_table(model: nn.Module, max_depth: int = 3) -> str:
    """A table of the parameter counts of a model's modules, and the shapes of its parameters.

    Args:
        model: The model.
        max_depth: How many levels of submodules to list.

    Returns:
        The table as text.
    """
    count = parameter_count(model)
    shapes = {name: tuple(param.shape) for name, param in model.named_parameters()}
    rows = [('model', _format_param_count(count.pop('')))]

    def add_rows(level: int, prefix: str) -> None:
        if level >= max_depth:
            return
        for name, elements in count.items():
            if name.count('.') == level and name.startswith(prefix):
                indent = ' ' * (level + 1)
                if name in shapes:
                    rows.append((indent + name, indent + str(shapes[name])))
                else:
                    rows.append((indent + name, indent + _format_param_count(elements)))
                    add_rows(level + 1, name + '.')

    add_rows(0, '')
    table = Table(title=f'parameter count of {model.__class__.__name__}', box=box.ASCII2)
    table.add_column('name')
    table.add_column('#elements or shape')
    for row in rows:
        table.add_row(*row)
    return render_table(table)
