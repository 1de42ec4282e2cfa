"""Registers what MMEngine pre-registers from torch: optimizers, layers, wrappers.

Imported lazily by the root registries on their first lookup.
"""
from __future__ import annotations

import inspect

import torch
from torch import nn

from .root import MODEL_WRAPPERS, MODELS, OPTIMIZERS


def register_torch_optimizers() -> list[str]:
    """Register every ``torch.optim.Optimizer`` subclass; ``Adafactor`` as ``TorchAdafactor``."""
    names = []
    for name in dir(torch.optim):
        optimizer = getattr(torch.optim, name)
        if inspect.isclass(optimizer) and issubclass(optimizer, torch.optim.Optimizer) \
                and optimizer is not torch.optim.Optimizer:
            OPTIMIZERS.register_module(
                name='TorchAdafactor' if name == 'Adafactor' else name, module=optimizer)
            names.append(name)
    return names


_LAYERS = (
    'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
    'Linear', 'Identity', 'Flatten', 'Dropout', 'Dropout2d', 'Dropout3d', 'Embedding',
    'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'GroupNorm', 'LayerNorm',
    'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d',
    'ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'ELU', 'SELU', 'CELU', 'GELU', 'SiLU', 'Mish',
    'Sigmoid', 'Tanh', 'Hardsigmoid', 'Hardswish', 'Softmax', 'LogSoftmax',
    'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d',
    'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool2d',
    'Upsample', 'PixelShuffle', 'CrossEntropyLoss', 'BCELoss', 'BCEWithLogitsLoss',
    'MSELoss', 'L1Loss', 'SmoothL1Loss', 'NLLLoss', 'Sequential', 'ModuleList', 'ModuleDict',
    'MultiheadAttention', 'TransformerEncoderLayer', 'TransformerDecoderLayer',
)

TORCH_OPTIMIZERS = register_torch_optimizers()
for _name in _LAYERS:
    MODELS.register_module(module=getattr(nn, _name))
MODEL_WRAPPERS.register_module(module=nn.parallel.DistributedDataParallel)
MODEL_WRAPPERS.register_module(module=nn.DataParallel)
