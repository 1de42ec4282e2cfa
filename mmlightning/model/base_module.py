"""``BaseModule``: an ``nn.Module`` initialised from ``init_cfg`` by ``init_weights()``."""
from __future__ import annotations

import copy
import logging
from abc import ABCMeta
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

from .weight_init import PretrainedInit, initialize, update_init_info
from .wrappers import is_model_wrapper

logger = logging.getLogger('mmlightning')


def _is_main_process() -> bool:
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def _is_pretrained(cfg: Any) -> bool:
    if not isinstance(cfg, Mapping):
        raise TypeError(f'each init_cfg entry must be a dict, got {cfg!r} '
                        f'({type(cfg).__name__})')
    return cfg.get('type') in ('Pretrained', PretrainedInit)


class BaseModule(nn.Module, metaclass=ABCMeta):
    """``nn.Module`` with weight initialisation from ``init_cfg``.

    ``init_weights()`` applies ``init_cfg`` (a dict or list of dicts, see
    :func:`initialize`) to this module, then calls ``init_weights`` of the
    children that have one (their own ``init_cfg`` wins for their
    parameters), then applies ``Pretrained`` entries last so loaded weights
    overwrite the rest. It runs once (``is_init``) and logs, per parameter,
    what initialised it.

    Args:
        init_cfg: Initialisation config dict or list of them.
    """

    def __init__(self, init_cfg: dict | list[dict] | None = None) -> None:
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        """Whether ``init_weights`` has run."""
        return self._is_init

    @is_init.setter
    def is_init(self, value: bool) -> None:
        self._is_init = value

    def init_weights(self) -> None:
        """Initialise the weights from ``init_cfg`` and the children's ``init_weights``."""
        is_top_level = not hasattr(self, '_params_init_info')
        if is_top_level:
            self._start_init_info()
        if self._is_init:
            logger.warning('init_weights of %s has been called more than once.',
                           type(self).__name__)
        else:
            self._init_weights_once()
        if is_top_level:
            self._dump_init_info()
            for sub_module in self.modules():
                del sub_module._params_init_info

    def _start_init_info(self) -> None:
        """Share one parameter -> init-info table with every sub-module."""
        info: defaultdict[nn.Parameter, dict[str, Any]] = defaultdict(dict)
        for param in self.parameters():
            info[param]['init_info'] = (f'The value is the same before and after calling '
                                        f'`init_weights` of {type(self).__name__} ')
            info[param]['tmp_mean_value'] = param.data.mean().cpu()
        for sub_module in self.modules():
            sub_module._params_init_info = info

    def _init_weights_once(self) -> None:
        cfgs: list[Any] = []
        if self.init_cfg:
            logger.debug('initialize %s with init_cfg %s', type(self).__name__, self.init_cfg)
            cfgs = [self.init_cfg] if isinstance(self.init_cfg, Mapping) else list(self.init_cfg)
            initialize(self, [cfg for cfg in cfgs if not _is_pretrained(cfg)])
        for child in self.children():
            if is_model_wrapper(child) and not hasattr(child, 'init_weights'):
                child = child.module
            if hasattr(child, 'init_weights') and not getattr(child, 'is_init', False):
                child.init_weights()
                update_init_info(child, init_info=f'Initialized by user-defined `init_weights` '
                                                  f'in {type(child).__name__} ')
        pretrained = [cfg for cfg in cfgs if _is_pretrained(cfg)]
        if pretrained:
            initialize(self, pretrained)
        self._is_init = True

    def _dump_init_info(self) -> None:
        """Log each parameter's init info: to the current MMLogger's log file if it has one."""
        if not _is_main_process():
            return
        from mmlightning.logging import MMLogger

        current = MMLogger.get_current_instance()  # the Runner's, with its log file
        file_handlers = [h for h in current.handlers if isinstance(h, logging.FileHandler)]
        for handler in file_handlers:
            handler.stream.write('Name of parameter - Initialization information\n')
            for name, param in self.named_parameters():
                handler.stream.write(f'\n{name} - {param.shape}: '
                                     f"\n{self._params_init_info[param]['init_info']} \n")
            handler.stream.flush()
        if not file_handlers:
            for name, param in self.named_parameters():
                logger.info(f'\n{name} - {param.shape}: '
                            f"\n{self._params_init_info[param]['init_info']} \n ")

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f'\ninit_cfg={self.init_cfg}'
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with its own ``init_cfg``.

    Args:
        *args: The modules, in order.
        init_cfg: Initialisation config dict.
    """

    def __init__(self, *args: nn.Module, init_cfg: dict | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with its own ``init_cfg``.

    Args:
        modules: The modules to hold.
        init_cfg: Initialisation config dict.
    """

    def __init__(self, modules: Iterable[nn.Module] | None = None,
                 init_cfg: dict | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with its own ``init_cfg``.

    Args:
        modules: Mapping (or iterable of pairs) of name to module.
        init_cfg: Initialisation config dict.
    """

    def __init__(self, modules: Mapping[str, nn.Module] | None = None,
                 init_cfg: dict | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
