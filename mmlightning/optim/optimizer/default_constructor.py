"""``DefaultOptimWrapperConstructor``: builds an optimizer wrapper with per-parameter options."""
from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Mapping
from typing import Any

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from mmlightning.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS
from mmlightning.registry.key_paths import key_path_of, located
from mmlightning.utils.errors import add_note
from mmlightning.utils.suggestions import did_you_mean

from .._errors import AssertKeyError
from .optimizer_wrapper import OptimWrapper

logger = logging.getLogger('mmlightning')

PARAMWISE_KEYS = ('custom_keys', 'bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult',
                  'dwconv_decay_mult', 'flat_decay_mult', 'dcn_offset_lr_mult',
                  'bypass_duplicate')
_NORMS = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)
# mmcv's deformable convolutions (and their subclasses, e.g. DeformConv2dPack).
_DCN_NAMES = frozenset({'DeformConv2d', 'ModulatedDeformConv2d'})


def _is_dcn(module: nn.Module) -> bool:
    return any(cls.__name__ in _DCN_NAMES for cls in type(module).__mro__)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DefaultOptimWrapperConstructor:
    """Builds the optimizer and its wrapper from ``optim_wrapper`` config (MMEngine's default).

    Without ``paramwise_cfg`` the optimizer gets ``model.parameters()``. With
    it, every parameter gets its own group, whose options follow these keys:

    - ``custom_keys`` (dict): ``{substring: dict(lr_mult=1., decay_mult=1., **group_keys)}``.
      The longest key contained in ``'<module prefix>.<param name>'`` wins
      (ties: alphabetical order); its ``lr_mult``/``decay_mult`` scale the
      base lr/weight decay, all its keys are copied into the group, and the
      rules below are skipped. A key matching no parameter is warned about.
    - ``bias_lr_mult``: lr of biases (not of norm layers or DCN offsets).
    - ``bias_decay_mult``, ``norm_decay_mult``, ``dwconv_decay_mult``,
      ``flat_decay_mult``: weight decay of biases, norm layers (BN, IN, GN,
      LN), depthwise ``Conv2d`` (``in_channels == groups``) and 1-D
      parameters, in the precedence norm > bias > dwconv > flat.
    - ``dcn_offset_lr_mult``: lr of the ``conv_offset`` of deformable convs
      (``DeformConv2d``/``ModulatedDeformConv2d`` and subclasses).
    - ``bypass_duplicate`` (bool): skip parameters already in another group
      (shared parameters); otherwise torch refuses duplicates.

    Parameters with ``requires_grad=False`` are skipped.

    Args:
        optim_wrapper_cfg: ``dict(type='OptimWrapper', optimizer=dict(type=..., lr=...),
            **wrapper_args)``; ``type`` defaults to ``'OptimWrapper'``.
        paramwise_cfg: The per-parameter options above.

    Raises:
        TypeError: If a config has the wrong type.
        KeyError: If ``optim_wrapper_cfg`` has no ``optimizer`` (also an ``AssertionError``).
        ValueError: If a decay multiplier is set without ``weight_decay``.
    """

    def __init__(self, optim_wrapper_cfg: Mapping[str, Any],
                 paramwise_cfg: Mapping[str, Any] | None = None) -> None:
        if not isinstance(optim_wrapper_cfg, Mapping):
            raise TypeError('optim_wrapper_cfg should be a dict, '
                            f'but got {type(optim_wrapper_cfg).__name__}')
        if 'optimizer' not in optim_wrapper_cfg:
            raise AssertKeyError('`optim_wrapper_cfg` must contain "optimizer" config, e.g. '
                           "optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)); got keys "
                           f'{sorted(optim_wrapper_cfg)}')
        self._key_path = key_path_of(optim_wrapper_cfg)  # named by the wrapper's build errors
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = self.optim_wrapper_cfg.pop('optimizer')
        if not isinstance(self.optimizer_cfg, Mapping):
            raise TypeError('optim_wrapper.optimizer should be a dict config, got '
                            f'{type(self.optimizer_cfg).__name__}')
        self.paramwise_cfg = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr = self.optimizer_cfg.get('lr', None)
        self.base_wd = self.optimizer_cfg.get('weight_decay', None)
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        """Check ``paramwise_cfg`` against the optimizer config."""
        if not isinstance(self.paramwise_cfg, Mapping):
            raise TypeError('paramwise_cfg should be None or a dict, '
                            f'but got {type(self.paramwise_cfg).__name__}')
        if type(self) is DefaultOptimWrapperConstructor:  # subclasses add their own keys
            for key in self.paramwise_cfg:
                if key not in PARAMWISE_KEYS:
                    warnings.warn(f'paramwise_cfg.{key} is not an option of '
                                  f'DefaultOptimWrapperConstructor and is ignored.'
                                  f'{did_you_mean(key, PARAMWISE_KEYS)}', stacklevel=3)
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        if not isinstance(custom_keys, Mapping):
            raise TypeError(f'If specified, custom_keys must be a dict, '
                            f'but got {type(custom_keys).__name__}')
        if self.base_wd is not None:
            return
        decay_keys = [f'custom_keys.{key}.decay_mult' for key, value in custom_keys.items()
                      if 'decay_mult' in value]
        decay_keys += [key for key in ('bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult')
                       if key in self.paramwise_cfg]
        if decay_keys:
            raise ValueError(f'paramwise_cfg sets {decay_keys[0]} but the optimizer has no '
                             'weight_decay (base_wd should not be None): add weight_decay=... '
                             'to optim_wrapper.optimizer.')

    def _is_in(self, param_group: dict[str, Any], param_group_list: list[dict[str, Any]]) -> bool:
        """Whether a parameter of ``param_group`` is already in ``param_group_list``."""
        seen = {id(param) for group in param_group_list for param in group['params']}
        return any(id(param) in seen for param in param_group['params'])

    def add_params(self,
                   params: list[dict[str, Any]],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: int | float | bool | None = None) -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``.

        Args:
            params: The param groups, extended in place.
            module: The module whose parameters to add.
            prefix: The module's name in the model.
            is_dcn_module: Whether ``module`` is a child of a deformable conv.
        """
        bypass_duplicate = self.paramwise_cfg.get('bypass_duplicate', False)
        for name, param in module.named_parameters(recurse=False):
            param_group: dict[str, Any] = {'params': [param]}
            full_name = f'{prefix}.{name}' if prefix else name
            if bypass_duplicate and self._is_in(param_group, params):
                logger.warning(f'{prefix} is duplicate. It is skipped since '
                               f'bypass_duplicate={bypass_duplicate}')
                continue
            if not param.requires_grad:
                logger.warning(f'{prefix}.{name} is skipped since its requires_grad=False')
                continue
            if not self._apply_custom_keys(param_group, f'{prefix}.{name}'):
                self._apply_rules(param_group, module, name, prefix, is_dcn_module)
            params.append(param_group)
            for key, value in param_group.items():
                if key != 'params':
                    logger.info(f'paramwise_options -- {full_name}:{key}={value}')
        child_is_dcn = _is_dcn(module)
        for child_name, child in module.named_children():
            child_prefix = f'{prefix}.{child_name}' if prefix else child_name
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=child_is_dcn)

    def _sorted_custom_keys(self) -> list[str]:
        """Custom keys, longest first, ties in alphabetical order."""
        return sorted(sorted(self.paramwise_cfg.get('custom_keys', {})), key=len, reverse=True)

    def _apply_custom_keys(self, param_group: dict[str, Any], name: str) -> bool:
        """Apply the longest custom key contained in ``name``; whether one matched."""
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        for key in self._sorted_custom_keys():
            if key in name:
                options = custom_keys[key]
                param_group['lr'] = self.base_lr * options.get('lr_mult', 1.)
                if self.base_wd is not None:
                    param_group['weight_decay'] = self.base_wd * options.get('decay_mult', 1.)
                param_group.update(options)
                return True
        return False

    def _apply_rules(self, param_group: dict[str, Any], module: nn.Module, name: str,
                     prefix: str, is_dcn_module: int | float | bool | None) -> None:
        """Apply the bias/norm/dwconv/flat/DCN multipliers to one parameter's group."""
        cfg = self.paramwise_cfg
        is_norm = isinstance(module, _NORMS)
        if name == 'bias' and not (is_norm or is_dcn_module) \
                and cfg.get('bias_lr_mult') is not None:
            param_group['lr'] = self.base_lr * cfg['bias_lr_mult']
        if 'conv_offset' in prefix and is_dcn_module and isinstance(module, nn.Conv2d) \
                and cfg.get('dcn_offset_lr_mult') is not None:
            param_group['lr'] = self.base_lr * cfg['dcn_offset_lr_mult']
        if self.base_wd is None:
            return
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        ndim = param_group['params'][0].ndim
        if is_norm and cfg.get('norm_decay_mult') is not None:
            mult = cfg['norm_decay_mult']
        elif name == 'bias' and not is_dcn_module and cfg.get('bias_decay_mult') is not None:
            mult = cfg['bias_decay_mult']
        elif is_dwconv and cfg.get('dwconv_decay_mult') is not None:
            mult = cfg['dwconv_decay_mult']
        elif ndim == 1 and not is_dcn_module and cfg.get('flat_decay_mult') is not None:
            mult = cfg['flat_decay_mult']
        else:
            return
        param_group['weight_decay'] = self.base_wd * mult

    def _warn_unmatched_custom_keys(self, model: nn.Module) -> None:
        """Warn about custom keys that match no parameter name (MMEngine is silent)."""
        names = [f'{prefix}.{name}' for prefix, module in model.named_modules(
            remove_duplicate=False) for name, _ in module.named_parameters(recurse=False)]
        for key in self._sorted_custom_keys():
            if not any(key in name for name in names):
                warnings.warn(f'paramwise_cfg.custom_keys[{key!r}] matches no parameter of '
                              f'{type(model).__name__}; check the key against the names in '
                              'model.named_parameters().', stacklevel=3)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimizer for ``model`` and wrap it.

        Args:
            model: The model (a wrapper's ``.module`` is used, as in MMEngine).

        Returns:
            The optimizer wrapper built from ``optim_wrapper_cfg``.
        """
        if hasattr(model, 'module'):
            model = model.module
        if not self.paramwise_cfg:
            params: Any = model.parameters()
        else:
            params = []
            self.add_params(params, model)
            self._warn_unmatched_custom_keys(model)
        # default_args rather than a copy: the config keeps its key path for error messages
        try:
            optimizer = OPTIMIZERS.build(self.optimizer_cfg,
                                         default_args={self._params_argument(): params})
        except ValueError as error:
            if 'more than one parameter group' in str(error):
                add_note(error, 'The model shares parameters between modules: set '
                                'paramwise_cfg.bypass_duplicate=True to keep only the first.')
            raise
        with located(self.optim_wrapper_cfg, self._key_path):
            return OPTIM_WRAPPERS.build(self.optim_wrapper_cfg,
                                        default_args=dict(type='OptimWrapper', optimizer=optimizer))

    def _params_argument(self) -> str:
        """Name of the optimizer's first argument (``params``; ``model_params`` for some)."""
        optimizer_type = self.optimizer_cfg.get('type')
        optimizer_cls = optimizer_type
        if isinstance(optimizer_type, str):
            with OPTIMIZERS.switch_scope_and_registry(None) as registry:
                optimizer_cls = registry.get(optimizer_type)
        if not callable(optimizer_cls):  # unknown: OPTIMIZERS.build raises with suggestions
            return 'params'
        return next(iter(inspect.signature(optimizer_cls).parameters))
