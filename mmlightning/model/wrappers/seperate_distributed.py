"""``MMSeparateDistributedDataParallel``: one DDP per trainable submodule (GANs).

The module name keeps MMEngine's spelling (``mmengine.model.wrappers.seperate_distributed``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from mmlightning.device import get_device
from mmlightning.registry import MODEL_WRAPPERS

from .distributed import MMDistributedDataParallel

if TYPE_CHECKING:
    from mmlightning.optim import OptimWrapperDict


@MODEL_WRAPPERS.register_module()
class MMSeparateDistributedDataParallel(DistributedDataParallel):
    """Wrap each trainable child of a model in its own :class:`MMDistributedDataParallel`.

    A GAN updates its generator and its discriminator in turn; one DDP over
    both would wait for gradients of the part not being updated. Here each
    direct child with a trainable parameter is wrapped separately (children
    without one are only moved to the device), and ``train_step``/``val_step``/
    ``test_step`` are the model's own, which call the children.

    The class is a ``DistributedDataParallel`` (so ``isinstance`` checks and
    :func:`is_model_wrapper` see a wrapper) but does not run DDP's
    constructor: it holds no reducer itself.

    Args:
        module: The model whose children are wrapped (in place).
        broadcast_buffers: DDP's ``broadcast_buffers`` for each child.
        find_unused_parameters: DDP's ``find_unused_parameters`` for each child.
        **kwargs: Other arguments of :class:`MMDistributedDataParallel` and
            ``DistributedDataParallel`` (``device_ids``, ``bucket_cap_mb``, ...).
    """

    def __init__(self, module: nn.Module, broadcast_buffers: bool = False,
                 find_unused_parameters: bool = False, **kwargs: Any) -> None:
        nn.Module.__init__(self)
        self.module = module
        device = get_device()
        for name, child in module._modules.items():
            if child is None:
                continue
            child = child.to(device)
            if any(param.requires_grad for param in child.parameters()):
                child = MMDistributedDataParallel(
                    module=child, broadcast_buffers=broadcast_buffers,
                    find_unused_parameters=find_unused_parameters, **kwargs)
            module._modules[name] = child

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """The model's ``train_step`` (it calls its wrapped children).

        Args:
            data: A batch from the dataloader.
            optim_wrapper: One optimizer wrapper per part of the model.

        Returns:
            dict: The losses to log.
        """
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data: dict | tuple | list) -> list:
        """The model's ``val_step`` (the predictions)."""
        return self.module.val_step(data)

    def test_step(self, data: dict | tuple | list) -> list:
        """The model's ``test_step`` (the predictions)."""
        return self.module.test_step(data)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Block gradient sync in every wrapped child at once."""
        with ExitStack() as stack:
            for child in self.module._modules.values():
                if isinstance(child, DistributedDataParallel):
                    stack.enter_context(child.no_sync())
            yield

    def train(self, mode: bool = True) -> MMSeparateDistributedDataParallel:
        """Set training mode on the model (DDP's ``train`` needs state this class has not).

        Args:
            mode: Training (``True``) or evaluation mode.

        Returns:
            MMSeparateDistributedDataParallel: ``self``.
        """
        self.training = mode
        self.module.train(mode)
        return self
