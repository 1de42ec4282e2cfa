"""Per-operator counting functions ("handles") over a TorchScript trace.

A handle receives the inputs and outputs of one traced operator, as lists of ``torch._C.Value``,
and returns a number (counted under the operator's own name) or a ``Counter`` keyed by the names it
chooses. One fused multiply-add counts as one flop, as in fvcore and MMEngine.
"""
from __future__ import annotations

import typing
from collections import Counter
from collections.abc import Callable
from math import prod
from typing import Any

import numpy as np

Handle = Callable[[list[Any], list[Any]], typing.Union[typing.Counter[str], int, float]]


def get_shape(val: Any) -> list[int] | None:
    """Return the sizes of a traced tensor value, or None when the trace does not know them.

    Args:
        val: A ``torch._C.Value`` from a traced graph.

    Returns:
        The sizes as a list of ints, or None for a value that is no complete tensor (a scalar, an
        optional argument given as None, a tensor of unknown shape).
    """
    if val.isCompleteTensor():
        return val.type().sizes()
    return None


def _shape(val: Any) -> list[int]:
    """The sizes of a value that must be a tensor of known shape."""
    shape = get_shape(val)
    if shape is None:
        raise ValueError(f'expected a tensor of known shape, got the traced value {val!r}')
    return shape


def generic_activation_jit(op_name: str | None = None) -> Handle:
    """Return a handle counting the elements of the operator's first output.

    Args:
        op_name: When given, the handle returns ``Counter({op_name: count})``; otherwise the bare
            count, which the analysis files under the operator's own name.
    """

    def count_activations(inputs: list[Any], outputs: list[Any]) -> typing.Counter[str] | int:
        count = prod(_shape(outputs[0]))
        return count if op_name is None else Counter({op_name: count})

    return count_activations


def addmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """Flops of ``aten::addmm`` (a fully connected layer): batch x in x out."""
    matrix, weight = (_shape(value) for value in inputs[1:3])
    if len(matrix) != 2 or len(weight) != 2:
        raise ValueError(f'addmm expects two matrices, got shapes {matrix} and {weight}')
    batch_size, input_dim = matrix
    return batch_size * input_dim * weight[1]


def linear_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """Flops of ``aten::linear``: the input's elements times the output features."""
    features, weight = (_shape(value) for value in inputs[0:2])
    if features[-1] != weight[-1]:
        raise ValueError(f'linear: input features {features[-1]} do not match the weight '
                         f'shape {weight}')
    return prod(features) * weight[0]


def bmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """Flops of ``aten::bmm``: n x c x t by n x t x d costs n * c * t * d."""
    if len(inputs) != 2:
        raise ValueError(f'bmm takes two inputs, got {len(inputs)}')
    batch, rows, inner = _shape(inputs[0])
    return batch * rows * inner * _shape(inputs[1])[-1]


def conv_flop_count(x_shape: list[int], w_shape: list[int], out_shape: list[int],
                    transposed: bool = False) -> int:
    """Flops of a convolution, multiplications only (bias and additions are left out).

    Args:
        x_shape: The input's shape, batch first.
        w_shape: The filter's shape.
        out_shape: The output's shape.
        transposed: Whether the convolution is transposed; its flops then follow the input's
            spatial size instead of the output's.

    Returns:
        batch size x prod(filter shape) x prod(spatial shape).
    """
    spatial = (x_shape if transposed else out_shape)[2:]
    return x_shape[0] * prod(w_shape) * prod(spatial)


def conv_flop_jit(inputs: list[Any], outputs: list[Any]) -> typing.Counter[str]:
    """Flops of ``aten::_convolution``, counted under the name ``conv``."""
    if len(inputs) not in (12, 13):
        raise ValueError(f'aten::_convolution takes 12 or 13 inputs, got {len(inputs)}: '
                         'its signature changed')
    transposed = inputs[6].toIValue()
    flops = conv_flop_count(_shape(inputs[0]), _shape(inputs[1]), _shape(outputs[0]),
                            transposed=transposed)
    return Counter({'conv': flops})


def _einsum_path_flops(equation: str, shapes: list[list[int]]) -> float:
    """Multiply-adds of the optimal contraction numpy finds for an einsum."""
    operands = [np.zeros(shape) for shape in shapes]
    report = np.einsum_path(equation, *operands, optimize='optimal')[1]
    for line in report.splitlines():
        if 'optimized flop' in line.lower():
            return float(np.floor(float(line.split(':')[-1]) / 2))
    raise NotImplementedError(f'Unsupported einsum operation {equation!r}.')


def einsum_flop_jit(inputs: list[Any], outputs: list[Any]) -> float:
    """Flops of ``aten::einsum``; two batched matrix products are counted directly."""
    if len(inputs) < 2:
        raise ValueError(f'einsum takes an equation and operands, got {len(inputs)} inputs')
    equation = inputs[0].toIValue().replace(' ', '')
    shapes = [_shape(value) for value in inputs[1].node().inputs()]
    # Rename the letters to a, b, c... in order of appearance, so equivalent equations match.
    letters = dict.fromkeys(char for char in equation if char.isalpha())
    equation = equation.translate({ord(char): ord('a') + i for i, char in enumerate(letters)})
    if equation == 'abc,abd->acd':
        n, c, t = shapes[0]
        return n * c * t * shapes[-1][-1]
    if equation == 'abc,adc->adb':
        n, t, g = shapes[0]
        return n * t * g * shapes[-1][1]
    return _einsum_path_flops(equation, shapes)


def matmul_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """Flops of ``aten::matmul`` and ``aten::mm``; vectors count as 1-row or 1-column."""
    left, right = (_shape(value) for value in inputs[:2])
    if len(left) == 1:
        left = [1, left[0]]
    if len(right) == 1:
        right = [right[0], 1]
    if left[-1] != right[-2]:
        raise ValueError(f'matmul: shapes {left} and {right} do not match')
    return prod(left) * right[-1]


def norm_flop_counter(affine_arg_index: int) -> Handle:
    """Return a handle for a normalisation layer: 4 flops an element, 5 with an affine.

    Args:
        affine_arg_index: Position of the weight among the operator's inputs; the layer is affine
            when that input is a tensor.
    """

    def norm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
        shape = _shape(inputs[0])
        if not 2 <= len(shape) <= 5:
            raise ValueError(f'normalisation of a {len(shape)}-d input {shape} is not counted')
        has_affine = get_shape(inputs[affine_arg_index]) is not None
        return prod(shape) * (5 if has_affine else 4)

    return norm_flop_jit


def batchnorm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """Flops of ``aten::batch_norm``: as a norm layer in training, 1 (2 with affine) in eval."""
    training = inputs[5].toIValue()
    if not isinstance(training, bool):
        raise ValueError('Signature of aten::batch_norm has changed!')
    if training:
        return norm_flop_counter(1)(inputs, outputs)
    has_affine = get_shape(inputs[1]) is not None
    return prod(_shape(inputs[0])) * (2 if has_affine else 1)


def elementwise_flop_counter(input_scale: float = 1, output_scale: float = 0) -> Handle:
    """Return a handle counting ``input.numel() * input_scale + output.numel() * output_scale``.

    Args:
        input_scale: Flops per element of the first input.
        output_scale: Flops per element of the first output.
    """

    def elementwise_flop(inputs: list[Any], outputs: list[Any]) -> float:
        flops = 0
        if input_scale != 0:
            flops += input_scale * prod(_shape(inputs[0]))
        if output_scale != 0:
            flops += output_scale * prod(_shape(outputs[0]))
        return flops

    return elementwise_flop
