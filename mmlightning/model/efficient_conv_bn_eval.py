"""Efficient conv-BN evaluation (``mmengine.model.efficient_conv_bn_eval``).

A convolution followed by a BatchNorm in eval mode is one affine map of the
convolution's output, so the BatchNorm can be folded into the convolution's
weight and bias on the fly ("Tune-Mode ConvBN Blocks For Efficient Transfer
Learning", https://arxiv.org/abs/2305.11624): one convolution instead of a
convolution plus a normalisation, less memory for activations, and gradients
still reach the convolution's weight (fine-tuning with frozen BatchNorm
statistics). A BatchNorm in training mode runs as usual.

:func:`turn_on_efficient_conv_bn_eval` traces named submodules with
``torch.fx`` and rewrites every ``bn(conv(x))`` whose convolution output feeds
only that BatchNorm.
"""
from __future__ import annotations

from operator import attrgetter

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd, _ConvTransposeNd


def efficient_conv_bn_eval_forward(bn: _BatchNorm, conv: _ConvNd,
                                   x: torch.Tensor) -> torch.Tensor:
    """``bn(conv(x))`` as one convolution, with ``bn``'s running statistics folded in.

    Args:
        bn: A BatchNorm with running statistics (its mode is not checked).
        conv: The convolution (``Conv1d``/``Conv2d``/``Conv3d``) before it.
        x: The convolution's input.

    Returns:
        torch.Tensor: The BatchNorm's output.
    """
    ones = torch.ones_like(bn.running_var)
    bn_weight = bn.weight if bn.weight is not None else ones
    bn_bias = bn.bias if bn.bias is not None else torch.zeros_like(ones)
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(ones)
    scale = bn_weight * torch.rsqrt(bn.running_var + bn.eps)  # one factor per output channel
    weight = conv.weight * scale.reshape(-1, *([1] * (conv.weight.dim() - 1)))
    bias = bn_bias + scale * (conv_bias - bn.running_mean)
    return conv._conv_forward(x, weight, bias)


def efficient_conv_bn_eval_control(bn: _BatchNorm, conv: _ConvNd,
                                   x: torch.Tensor) -> torch.Tensor:
    """``bn(conv(x))``: folded when ``bn`` is in eval mode with running statistics.

    Args:
        bn: The BatchNorm.
        conv: The convolution before it.
        x: The convolution's input.

    Returns:
        torch.Tensor: The BatchNorm's output.
    """
    if bn.training or bn.running_var is None or bn.running_mean is None:
        return bn(conv(x))
    return efficient_conv_bn_eval_forward(bn, conv, x)


def _foldable_conv(module: nn.Module) -> bool:
    # a transposed convolution keeps its output channels in weight dim 1: the fold would be wrong
    return isinstance(module, _ConvNd) and not isinstance(module, _ConvTransposeNd)


def _conv_bn_pairs(fx_model: torch.fx.GraphModule) -> list[tuple[torch.fx.Node, torch.fx.Node]]:
    """The ``(conv node, bn node)`` pairs of ``bn(conv(x))`` whose conv output only ``bn`` reads."""
    modules = dict(fx_model.named_modules())
    pairs = []
    for node in fx_model.graph.nodes:
        if node.op != 'call_module' or not isinstance(modules[node.target], _BatchNorm):
            continue
        if len(node.args) != 1 or node.kwargs or not isinstance(node.args[0], torch.fx.Node):
            continue
        source = node.args[0]
        if (source.op == 'call_module' and _foldable_conv(modules[source.target])
                and len(source.args) == 1 and not source.kwargs and len(source.users) == 1):
            pairs.append((source, node))
    return pairs


def efficient_conv_bn_eval_graph_transform(fx_model: torch.fx.GraphModule) -> None:
    """Replace each foldable ``bn(conv(x))`` of ``fx_model``'s graph, in place.

    Args:
        fx_model: A traced model; its code is recompiled.
    """
    graph = fx_model.graph
    for conv_node, bn_node in _conv_bn_pairs(fx_model):
        with graph.inserting_before(conv_node):
            conv_get = graph.get_attr(conv_node.target)
            bn_get = graph.get_attr(bn_node.target)
            fused = graph.call_function(efficient_conv_bn_eval_control,
                                        (bn_get, conv_get, conv_node.args[0]))
        bn_node.replace_all_uses_with(fused)
        graph.erase_node(bn_node)
        graph.erase_node(conv_node)
    graph.lint()
    fx_model.recompile()


def turn_on_efficient_conv_bn_eval_for_single_model(model: nn.Module) -> None:
    """Trace ``model`` with ``torch.fx`` and make its ``forward`` use folded conv-BN pairs.

    The submodules (and so the weights and ``state_dict``) stay those of
    ``model``; only ``model.forward`` is replaced.

    Args:
        model: A module ``torch.fx.symbolic_trace`` can trace.
    """
    import torch.fx as fx

    fx_model: fx.GraphModule = fx.symbolic_trace(model)
    efficient_conv_bn_eval_graph_transform(fx_model)
    model.forward = fx_model.forward


def turn_on_efficient_conv_bn_eval(model: nn.Module, modules: list[str] | str) -> None:
    """Turn on efficient conv-BN evaluation for the named submodules of ``model``.

    Args:
        model: The model.
        modules: Dotted names of submodules (``'backbone'``, ``'neck.fpn'``),
            as the ``efficient_conv_bn_eval`` config key lists them.

    Raises:
        AttributeError: If ``model`` has no submodule of a given name.
    """
    for name in [modules] if isinstance(modules, str) else modules:
        try:
            module = attrgetter(name)(model)
        except AttributeError:
            raise AttributeError(f'turn_on_efficient_conv_bn_eval: the model has no submodule '
                                 f'{name!r}') from None
        turn_on_efficient_conv_bn_eval_for_single_model(module)
