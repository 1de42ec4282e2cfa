"""``AmpOptimWrapper``: automatic mixed precision with a gradient scaler."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from mmlightning.registry import OPTIM_WRAPPERS
from mmlightning.utils.suggestions import did_you_mean

from .._errors import AssertTypeError, AssertValueError
from .backend import GradScalerBackend
from .optimizer_wrapper import OptimWrapper

_AUTOCAST_DTYPES = (torch.float16, torch.bfloat16)
_LIGHTNING_PRECISION = {torch.float16: '16-mixed', torch.bfloat16: 'bf16-mixed'}


def _parse_dtype(dtype: str | torch.dtype | None, valid: tuple[str, ...]) -> torch.dtype | None:
    if isinstance(dtype, str):
        if dtype not in valid:
            raise AssertValueError(f'dtype should be any of {valid}, got {dtype!r}.'
                             f'{did_you_mean(dtype, valid)}')
        return getattr(torch, dtype)
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    raise AssertTypeError(f'dtype should be None or instance of torch.dtype (or its name), '
                          f'got {dtype!r}')


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """Mixed precision training: forward under ``torch.autocast``, loss scaled by a GradScaler.

    Runs on CUDA when available, else on CPU (MMEngine requires a GPU).
    ``dtype=None`` autocasts to the device's default, float16 on CUDA and
    bfloat16 on CPU. bfloat16 needs no loss scaling, so for it the scaler is
    created disabled (a pass-through; MMEngine PR #1553). float32 and float64
    are accepted as in MMEngine; torch cannot autocast to them, so the forward
    then runs in full precision (with the scaler still active, as in MMEngine).

    Under Lightning the precision plugin owns autocast and scaling:
    :attr:`lightning_precision` is the ``Trainer(precision=...)`` to use and
    :attr:`loss_scaler` the scaler to hand to Lightning's ``MixedPrecision``
    plugin, so there is never a second scaler.

    Args:
        loss_scale: ``'dynamic'`` (a default ``GradScaler``), a number (a static
            scale: ``init_scale`` and the value every ``update`` resets to) or a
            dict of ``GradScaler`` arguments.
        dtype: ``'float16'``, ``'bfloat16'``, ``'float32'``, ``'float64'``, a
            ``torch.dtype`` or ``None`` (the autocast default).
        use_fsdp: Use FSDP's ``ShardedGradScaler``.
        **kwargs: Arguments of :class:`OptimWrapper` (``optimizer``, ...).

    Raises:
        TypeError: If ``loss_scale`` or ``dtype`` has the wrong type.
        ValueError: If ``dtype`` is an unknown name.
    """

    valid_dtypes = ('float16', 'bfloat16', 'float32', 'float64')

    def __init__(self,
                 loss_scale: str | float | dict = 'dynamic',
                 dtype: str | torch.dtype | None = None,
                 use_fsdp: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = _parse_dtype(dtype, self.valid_dtypes)
        self.device_type = 'cuda' if torch.cuda.is_available() else 'cpu'
        default = torch.get_autocast_dtype(self.device_type) if self.device_type == 'cuda' \
            else torch.bfloat16
        self._autocast_dtype = default if self.cast_dtype is None else self.cast_dtype
        self._scale_update_param: float | None = None
        self.loss_scaler = self._build_scaler(loss_scale, use_fsdp)
        self.backend = GradScalerBackend(self.loss_scaler, self._scale_update_param)

    def _build_scaler(self, loss_scale: str | float | dict, use_fsdp: bool) -> Any:
        if use_fsdp:
            from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler
            scaler_type: Any = ShardedGradScaler
        else:
            scaler_type = torch.amp.GradScaler
        enabled = self._autocast_dtype != torch.bfloat16
        if loss_scale == 'dynamic':
            return scaler_type(self.device_type, enabled=enabled)
        if isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            return scaler_type(self.device_type, init_scale=float(loss_scale), enabled=enabled)
        if isinstance(loss_scale, dict):
            return scaler_type(**{'device': self.device_type, 'enabled': enabled, **loss_scale})
        raise TypeError('loss_scale must be of type float, dict, or "dynamic" (any number is '
                        f'accepted as a float), but got {loss_scale!r}')

    @property
    def lightning_precision(self) -> str:
        """The ``Trainer(precision=...)`` this wrapper maps to under Lightning.

        ``'16-mixed'`` or ``'bf16-mixed'``; ``'32-true'`` for float32/float64,
        which torch does not autocast to.
        """
        return _LIGHTNING_PRECISION.get(self._autocast_dtype, '32-true')

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict plus ``loss_scaler``: the scaler's state."""
        state_dict = super().state_dict()
        state_dict['loss_scaler'] = self.loss_scaler.state_dict()
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load the optimizer's state and, if present, the ``loss_scaler`` state."""
        state_dict = dict(state_dict)
        if 'loss_scaler' in state_dict:
            self.loss_scaler.load_state_dict(state_dict.pop('loss_scaler'))
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """:meth:`OptimWrapper.optim_context` plus ``torch.autocast`` to the wrapper's dtype.

        Args:
            model: The model being trained.
        """
        enabled = self._autocast_dtype in _AUTOCAST_DTYPES
        with super().optim_context(model), torch.autocast(
                self.device_type, dtype=self._autocast_dtype if enabled else None,
                enabled=enabled):
            yield
