"""Data preprocessors: move a collated batch to the model's device (and normalise images)."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlightning.registry import MODELS

from ..errors import ModelValueError
from ..utils import stack_batch


def _is_movable(data: Any) -> bool:
    """Tensors and data elements (``BaseDataElement``-like: a ``.to`` method, not a module)."""
    return isinstance(data, torch.Tensor) or (
        callable(getattr(data, 'to', None)) and not isinstance(data, (nn.Module, type)))


@MODELS.register_module()
class BaseDataPreprocessor(nn.Module):
    """Copy the batch from the dataloader to the model's device.

    Subclasses override :meth:`forward` for batch-level preprocessing
    (normalisation, padding, MixUp, ...). The device follows the model:
    ``model.to(device)`` / ``.cuda()`` / ``.cpu()`` update it.

    Args:
        non_blocking: Copy to the device asynchronously.
    """

    def __init__(self, non_blocking: bool | None = False) -> None:
        super().__init__()
        self._non_blocking = non_blocking
        self._device = torch.device('cpu')

    @property
    def device(self) -> torch.device:
        """Where batches are moved to."""
        return self._device

    def cast_data(self, data: Any) -> Any:
        """Move tensors and data elements in ``data`` to :attr:`device`, recursively.

        Mappings become dicts; lists, tuples and namedtuples keep their type;
        strings, bytes, ``None`` and other objects are returned unchanged.
        """
        # Fast paths for what collated batches hold most (tensors, lists, dicts): the
        # generic checks below cost several Python calls per tensor.
        if isinstance(data, torch.Tensor):
            return data.to(self.device, non_blocking=self._non_blocking)
        if type(data) is list:
            return [self.cast_data(sample) for sample in data]
        if type(data) is dict:
            return {key: self.cast_data(value) for key, value in data.items()}
        if isinstance(data, Mapping):
            return {key: self.cast_data(data[key]) for key in data}
        if isinstance(data, (str, bytes)) or data is None:
            return data
        if isinstance(data, tuple) and hasattr(data, '_fields'):  # namedtuple
            return type(data)(*(self.cast_data(sample) for sample in data))
        if isinstance(data, Sequence):
            return type(data)(self.cast_data(sample) for sample in data)
        if _is_movable(data):
            return data.to(self.device, non_blocking=self._non_blocking)
        return data

    def forward(self, data: Any, training: bool = False) -> Any:
        """Move ``data`` to the device.

        Args:
            data: The collated batch from the dataloader.
            training: Whether this is a training batch (for subclasses).

        Returns:
            The batch on :attr:`device`.
        """
        return self.cast_data(data)

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> nn.Module:
        """Follow device moves made through a parent module too (``parent.to(device)``).

        ``parent.to()`` reaches children only through ``_apply``, so without
        this a preprocessor inside, e.g., a LightningModule would keep the old
        device. The new device is read off ``fn`` applied to an empty probe.
        """
        module = super()._apply(fn, *args, **kwargs)
        try:
            probe = fn(torch.empty(0, device=self._device))
        except (RuntimeError, TypeError, ValueError, AssertionError):
            return module  # e.g. a probe on a device this build cannot reach
        if isinstance(probe, torch.Tensor):
            self._device = probe.device
        return module

    def to(self, *args: Any, **kwargs: Any) -> nn.Module:
        """``nn.Module.to`` that also sets :attr:`device`."""
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._device = torch.device(device)
        return super().to(*args, **kwargs)

    def cuda(self, *args: Any, **kwargs: Any) -> nn.Module:
        """``nn.Module.cuda`` (to the current CUDA device) that also sets :attr:`device`."""
        self._device = torch.device('cuda', torch.cuda.current_device())
        return super().cuda()

    def cpu(self, *args: Any, **kwargs: Any) -> nn.Module:
        """``nn.Module.cpu`` that also sets :attr:`device`."""
        self._device = torch.device('cpu')
        return super().cpu()

    def _to_vendor(self, kind: str) -> nn.Module:
        """Move to ``torch.<kind>.current_device()`` of a vendor backend."""
        self._device = torch.device(kind, getattr(torch, kind).current_device())
        return getattr(super(), kind)()

    def mlu(self, *args: Any, **kwargs: Any) -> nn.Module:
        """Move to the current MLU (needs ``torch_mlu``) and set :attr:`device`."""
        return self._to_vendor('mlu')

    def npu(self, *args: Any, **kwargs: Any) -> nn.Module:
        """Move to the current NPU (needs ``torch_npu``) and set :attr:`device`."""
        return self._to_vendor('npu')

    def musa(self, *args: Any, **kwargs: Any) -> nn.Module:
        """Move to the current MUSA device (needs ``torch_musa``) and set :attr:`device`."""
        return self._to_vendor('musa')


def _check_mean_std(mean: Sequence[float] | None, std: Sequence[float] | None) -> None:
    if (mean is None) != (std is None):
        given, missing = ('mean', 'std') if std is None else ('std', 'mean')
        raise ModelValueError(f'mean and std should be both None or tuple: ImgDataPreprocessor '
                              f'got {given} but no {missing}; give both (one value or three, '
                              'per channel) or neither to skip normalisation.')
    for name, values in (('mean', mean), ('std', std)):
        if values is not None and len(values) not in (1, 3):
            raise ModelValueError(f'ImgDataPreprocessor: `{name}` should have 1 or 3 values, to '
                                  'be compatible with RGB or gray image, but got '
                                  f'{len(values)} values: {list(values)}')


@MODELS.register_module()
class ImgDataPreprocessor(BaseDataPreprocessor):
    """Image batch preprocessing: channel flip, normalisation, padding and stacking.

    ``data['inputs']`` is a list of ``(C, H, W)`` tensors (``pseudo_collate``)
    or an ``(N, C, H, W)`` tensor. Each image is flipped BGR<->RGB if asked,
    cast to float, normalised as ``(x - mean) / std``, then the batch is
    padded at the right and bottom to a multiple of ``pad_size_divisor``.
    ``data['data_samples']`` defaults to ``None``.

    Args:
        mean: Per-channel mean (1 or 3 values, after any channel flip);
            ``None`` (with ``std=None``) skips normalisation.
        std: Per-channel standard deviation (1 or 3 values).
        pad_size_divisor: Padded height and width are multiples of this.
        pad_value: Value of the padding.
        bgr_to_rgb: Flip the channel order from BGR to RGB.
        rgb_to_bgr: Flip the channel order from RGB to BGR.
        non_blocking: Copy to the device asynchronously.

    Raises:
        ModelValueError: If both flips are set, only one of ``mean``/``std`` is
            given, or either has other than 1 or 3 values (a ``ValueError`` and an
            ``AssertionError``).
    """

    def __init__(self, mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 pad_size_divisor: int = 1, pad_value: float = 0, bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False, non_blocking: bool | None = False) -> None:
        super().__init__(non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ModelValueError('`bgr2rgb` and `rgb2bgr` cannot be set to True at the same '
                                  'time: bgr_to_rgb and rgb_to_bgr both flip the channel order, '
                                  'set one of them.')
        _check_mean_std(mean, std)
        self._enable_normalize = mean is not None
        if mean is not None:
            self.register_buffer('mean', torch.tensor(mean).view(-1, 1, 1), False)
            self.register_buffer('std', torch.tensor(std).view(-1, 1, 1), False)
        self._channel_conversion = rgb_to_bgr or bgr_to_rgb
        self.pad_size_divisor = pad_size_divisor
        self.pad_value = pad_value

    def _process_image(self, image: torch.Tensor) -> torch.Tensor:
        if self._channel_conversion:
            image = image[[2, 1, 0], ...]
        image = image.float()
        if self._enable_normalize:
            if self.mean.shape[0] == 3 and (image.dim() != 3 or image.shape[0] != 3):
                raise ModelValueError('If the mean has 3 values, the input tensor should be in '
                                      'shape of (3, H, W), but got the tensor with shape '
                                      f'{tuple(image.shape)}')
            image = (image - self.mean) / self.std
        return image

    def _process_batch(self, batch: torch.Tensor) -> torch.Tensor:
        if batch.dim() != 4:
            raise ModelValueError('The input of `ImgDataPreprocessor` should be a NCHW tensor '
                                  'or a list of tensor, but got a tensor with shape: '
                                  f'{tuple(batch.shape)}')
        if self._channel_conversion:
            batch = batch[:, [2, 1, 0], ...]
        batch = batch.float()
        if self._enable_normalize:
            batch = (batch - self.mean) / self.std
        h, w = batch.shape[2:]
        pad_h = math.ceil(h / self.pad_size_divisor) * self.pad_size_divisor - h
        pad_w = math.ceil(w / self.pad_size_divisor) * self.pad_size_divisor - w
        return F.pad(batch, (0, pad_w, 0, pad_h), 'constant', self.pad_value)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Move, flip, normalise and pad ``data['inputs']`` into one batch tensor.

        Args:
            data: Batch dict with ``inputs`` (and usually ``data_samples``).
            training: Whether this is a training batch.

        Returns:
            dict: ``data`` with ``inputs`` as an ``(N, C, H, W)`` float tensor.

        Raises:
            TypeError: If ``inputs`` is neither a tensor nor a sequence of them.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, Sequence) and all(isinstance(x, torch.Tensor) for x in inputs):
            batch = stack_batch([self._process_image(image) for image in inputs],
                                self.pad_size_divisor, self.pad_value)
        elif isinstance(inputs, torch.Tensor):
            batch = self._process_batch(inputs)
        else:
            raise TypeError("ImgDataPreprocessor expects data['inputs'] to be a list of (C, H, W)"
                            f' tensors or an (N, C, H, W) tensor, but got {type(inputs).__name__}'
                            ' (use pseudo_collate or default_collate in the dataloader).')
        data['inputs'] = batch
        data.setdefault('data_samples', None)
        return data
