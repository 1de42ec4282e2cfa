"""``BaseInferencer``: config + weights -> preprocess, forward, visualize, postprocess.

MMEngine 0.10.7's inferencer contract. A subclass defines :meth:`_init_pipeline`,
:meth:`visualize` and :meth:`postprocess`, and names the keyword arguments each
step accepts in the class sets ``preprocess_kwargs``, ``forward_kwargs``,
``visualize_kwargs`` and ``postprocess_kwargs``; :meth:`__call__` dispatches
its keyword arguments by those sets.
"""
from __future__ import annotations

import copy
import functools
import itertools
import os.path as osp
import re
import warnings
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Union

import numpy as np
import torch
from torch import nn

from mmlightning.config import Config, ConfigDict
from mmlightning.config.utils import MODULE2PACKAGE
from mmlightning.dataset import pseudo_collate
from mmlightning.device import get_device
from mmlightning.fileio import get_file_backend, isdir, join_path, list_dir_or_file
from mmlightning.logging import print_log
from mmlightning.model.checkpoint.loader import _load_checkpoint, _load_checkpoint_to_model
from mmlightning.registry import FUNCTIONS, MODELS, VISUALIZERS, DefaultScope
from mmlightning.structures import InstanceData
from mmlightning.utils.errors import AssertTypeError, AssertValueError
from mmlightning.visualization import Visualizer

from .metafile import configs_root, find_model, models_of, names_of

InstanceList = list[InstanceData]
InputType = Union[str, np.ndarray, torch.Tensor]
InputsType = Union[InputType, Sequence[InputType]]
ImgType = Union[np.ndarray, Sequence[np.ndarray]]
ResType = Union[dict, list[dict]]
ConfigType = Union[Config, ConfigDict]
ModelType = Union[dict, ConfigType, str]

_KWARG_SETS = ('preprocess_kwargs', 'forward_kwargs', 'visualize_kwargs', 'postprocess_kwargs')


class InferencerMeta(ABCMeta):
    """Checks that the four ``*_kwargs`` class attributes are sets sharing no key.

    Raises:
        TypeError: If one of them is not a set.
        ValueError: If a key is in two of them.
        (Both also subclass ``AssertionError``, as MMEngine asserts these.)
    """

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sets = {name: getattr(cls, name) for name in _KWARG_SETS}
        for name, keys in sets.items():
            if not isinstance(keys, set):
                raise AssertTypeError(f'{cls.__name__}.{name} must be a set of argument names, '
                                      f'got {type(keys).__name__}: {keys!r}')
        seen: dict[str, str] = {}
        for name, keys in sets.items():
            for key in sorted(keys):
                if key in seen:
                    raise AssertValueError(
                        f'Class define error! {cls.__name__} should not define duplicated keys '
                        'for `preprocess_kwargs`, `forward_kwargs`, `visualize_kwargs` and '
                        f'`postprocess_kwargs` are not allowed. {key!r} is in both '
                        f'{seen[key]} and {name}.')
                seen[key] = name


class BaseInferencer(metaclass=InferencerMeta):
    """Base class of inferencers: build a model, then run inputs through it.

    The workflow of :meth:`__call__`: :meth:`_inputs_to_list`, :meth:`preprocess`
    (the pipeline on each input, then batches of ``batch_size`` collated),
    :meth:`forward` (``model.test_step``) on each batch, :meth:`visualize`, and
    :meth:`postprocess`, which returns the results.

    Args:
        model: A config file, a :class:`Config`/``dict``, a model name or alias
            listed in the metafiles of the installed package of ``scope`` (read
            from its files, nothing downloaded), or None to read the config
            saved in ``weights`` (MMEngine checkpoints keep it in
            ``message_hub.runtime_info.cfg`` or ``meta.cfg``).
        weights: Checkpoint path or URL. For a model name, defaults to the
            metafile's ``Weights``.
        device: Where the model runs; the best available device if None.
        scope: Registry scope of the model; the current default scope if None.
        show_progress: Show a progress bar over the batches.

    Raises:
        ValueError: If ``model`` and ``weights`` are both None, or ``model`` is a
            string that is neither a file nor a known model name.
        TypeError: If ``model`` has another type.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = set()
    postprocess_kwargs: set = set()

    def __init__(self, model: ModelType | None = None, weights: str | None = None,
                 device: str | None = None, scope: str | None = None,
                 show_progress: bool = True) -> None:
        if scope is None:
            default_scope = DefaultScope.get_current_instance()
            if default_scope is not None:
                scope = default_scope.scope_name
        self.scope = scope
        cfg: ConfigType
        if isinstance(model, str):
            if osp.isfile(model):
                cfg = Config.fromfile(model)
            else:
                cfg, metafile_weights = self._load_model_from_metafile(model)
                if weights is None:
                    weights = metafile_weights
        elif isinstance(model, (Config, ConfigDict)):
            cfg = copy.deepcopy(model)
        elif isinstance(model, dict):
            cfg = copy.deepcopy(ConfigDict(model))
        elif model is None:
            if weights is None:
                raise ValueError('If model is None, the weights must be specified since the '
                                 'config needs to be loaded from the weights')
            cfg = ConfigDict()
        else:
            raise TypeError('model must be a filepath or any ConfigType object, but got '
                            f'{type(model)}')
        if device is None:
            device = get_device()
        self.model = self._init_model(cfg, weights, device)
        self.pipeline = self._init_pipeline(cfg)
        self.collate_fn = self._init_collate(cfg)
        self.visualizer = self._init_visualizer(cfg)
        self.cfg = cfg
        self.show_progress = show_progress

    def __call__(self, inputs: InputsType, return_datasamples: bool = False,
                 batch_size: int = 1, **kwargs: Any) -> dict:
        """Run the whole workflow on ``inputs``.

        Args:
            inputs: One input or a list; a directory path stands for its files.
            return_datasamples: Passed to :meth:`postprocess`.
            batch_size: Inputs per ``model.test_step`` call.
            **kwargs: Arguments of the steps, each named in one of the class's
                ``*_kwargs`` sets.

        Returns:
            What :meth:`postprocess` returns.

        Raises:
            ValueError: If a keyword argument is in none of the sets.
        """
        preprocess_kwargs, forward_kwargs, visualize_kwargs, postprocess_kwargs = \
            self._dispatch_kwargs(**kwargs)
        ori_inputs = self._inputs_to_list(inputs)
        batches: Iterable = self.preprocess(ori_inputs, batch_size=batch_size,
                                            **preprocess_kwargs)
        if self.show_progress:
            from rich.progress import track

            batches = track(batches, description='Inference')
        preds: list = []
        for data in batches:
            preds.extend(self.forward(data, **forward_kwargs))
        visualization = self.visualize(ori_inputs, preds, **visualize_kwargs)
        return self.postprocess(preds, visualization, return_datasamples, **postprocess_kwargs)

    def _inputs_to_list(self, inputs: InputsType) -> list:
        """A list of inputs: a list or tuple as is, a directory as its files, else ``[inputs]``."""
        if isinstance(inputs, str):
            backend = get_file_backend(inputs)
            if hasattr(backend, 'isdir') and isdir(inputs):
                inputs = [join_path(inputs, name)
                          for name in list_dir_or_file(inputs, list_dir=False)]
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        return list(inputs)

    def preprocess(self, inputs: InputsType, batch_size: int = 1, **kwargs: Any) -> Iterator:
        """Yield the collated batches of ``inputs`` put through :attr:`pipeline`."""
        chunked_data = self._get_chunk_data(map(self.pipeline, inputs), batch_size)
        yield from map(self.collate_fn, chunked_data)

    @torch.no_grad()
    def forward(self, inputs: dict | tuple, **kwargs: Any) -> Any:
        """Predict one batch with ``model.test_step``."""
        return self.model.test_step(inputs)

    @abstractmethod
    def visualize(self, inputs: list, preds: Any, show: bool = False,
                  **kwargs: Any) -> list[np.ndarray]:
        """Draw the predictions; returns one visualization per input."""

    @abstractmethod
    def postprocess(self, preds: Any, visualization: list[np.ndarray],
                    return_datasample: bool = False, **kwargs: Any) -> dict:
        """Pack predictions and visualizations into the returned dict (``predictions``,
        ``visualization``), as data samples or as JSON-friendly dicts."""

    @abstractmethod
    def _init_pipeline(self, cfg: ConfigType) -> Callable:
        """The callable that turns one input into one model-ready sample."""

    def _load_model_from_metafile(self, model: str) -> tuple[Config, str | None]:
        """Config and weights of a model name listed in the metafiles of :attr:`scope`.

        Raises:
            ValueError: If no scope is set, the scope is no OpenMMLab package, or
                its metafiles do not list the name.
            ImportError: If the package of the scope is not installed.
        """
        lookup = (f'{model!r} is not a config file (no such file), so it is looked up as a '
                  'model name in the metafiles of an installed OpenMMLab package')
        if self.scope is None:
            raise AssertValueError(
                f'{lookup}: scope should be initialized if you want to load config from '
                'metafile: pass scope= (e.g. scope="mmdet") or the path of a config file.')
        if self.scope not in MODULE2PACKAGE:
            raise AssertValueError(
                f'{lookup}: {self.scope} not in {sorted(MODULE2PACKAGE)}!, please pass a valid '
                'scope, or the path of a config file.')
        cfg_path, weights = find_model(self.scope, model)
        return Config.fromfile(cfg_path), weights

    @staticmethod
    def _get_repo_or_mim_dir(scope: str) -> str:
        """The folder of ``configs`` of the installed package ``scope`` (see
        :func:`mmlightning.infer.metafile.configs_root`)."""
        return configs_root(scope)

    @staticmethod
    def _get_models_from_metafile(dir: str) -> Iterator[dict]:
        """The ``Models`` entries of the metafiles ``dir/model-index.yml`` imports."""
        return models_of(dir)

    def _init_model(self, cfg: ConfigType, weights: str | None,
                    device: str = 'cpu') -> nn.Module:
        """Build ``cfg.model`` (its ``pretrained`` key dropped), load ``weights``, move it
        to ``device`` in eval mode. An empty ``cfg`` is filled from the checkpoint."""
        checkpoint: dict | None = None
        if weights is not None:
            checkpoint = _load_checkpoint(weights, map_location='cpu')
        if not cfg:
            cfg.update(Config.fromstring(_saved_config(checkpoint, weights),
                                         file_format='.py')._cfg_dict)
        if cfg.model.get('pretrained') is not None:
            del cfg.model.pretrained
        with DefaultScope.overwrite_default_scope(self.scope):
            model = MODELS.build(cfg.model)
        model.cfg = cfg
        self._load_weights_to_model(model, checkpoint, cfg)
        model.to(device)
        model.eval()
        return model

    def _load_weights_to_model(self, model: nn.Module, checkpoint: dict | None,
                               cfg: ConfigType | None) -> None:
        """Load ``checkpoint`` into ``model``; subclasses may read more from it."""
        if checkpoint is not None:
            _load_checkpoint_to_model(model, checkpoint)
        else:
            warnings.warn('Checkpoint is not loaded, and the inference result is calculated by '
                          'the randomly initialized model!', stacklevel=2)

    def _init_collate(self, cfg: ConfigType) -> Callable:
        """``cfg.test_dataloader.collate_fn`` (a name or ``dict(type=..., **kwargs)``
        of ``FUNCTIONS``), else :func:`pseudo_collate`.

        Raises:
            KeyError: If the named function is not registered.
        """
        collate_cfg = (cfg.get('test_dataloader') or {}).get('collate_fn')
        if collate_cfg is None:
            return pseudo_collate
        if callable(collate_cfg):
            return collate_cfg
        collate_kwargs = dict(collate_cfg) if isinstance(collate_cfg, dict) else {}
        name = collate_kwargs.pop('type', collate_cfg)
        with FUNCTIONS.switch_scope_and_registry(self.scope) as registry:
            collate_fn = registry.get(name) if isinstance(name, str) else name
        if collate_fn is None:
            raise KeyError(f'test_dataloader.collate_fn: {name!r} is not registered in '
                           f'FUNCTIONS (scope {self.scope!r})')
        return functools.partial(collate_fn, **collate_kwargs) if collate_kwargs else collate_fn

    def _init_visualizer(self, cfg: ConfigType) -> Visualizer | None:
        """Build ``cfg.visualizer`` under a fresh instance name; None without one."""
        if 'visualizer' not in cfg:
            return None
        timestamp = str(datetime.timestamp(datetime.now()))
        name = cfg.visualizer.get('name', timestamp)
        if Visualizer.check_instance_created(name):
            name = f'{name}-{timestamp}'
        cfg.visualizer.name = name
        with DefaultScope.overwrite_default_scope(self.scope):
            return VISUALIZERS.build(cfg.visualizer)

    def _get_chunk_data(self, inputs: Iterable, chunk_size: int) -> Iterator[list]:
        """Yield lists of ``chunk_size`` items (the last one may be shorter).

        Raises:
            ValueError: If ``chunk_size`` is not a positive integer.
        """
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f'batch_size must be a positive integer, got {chunk_size!r}')
        iterator = iter(inputs)
        while chunk := list(itertools.islice(iterator, chunk_size)):
            yield chunk

    def _dispatch_kwargs(self, **kwargs: Any) -> tuple[dict, dict, dict, dict]:
        """Split ``kwargs`` by the four ``*_kwargs`` sets.

        Raises:
            ValueError: If a key is in none of them.
        """
        sets = [getattr(self, name) for name in _KWARG_SETS]
        unknown = set(kwargs) - set().union(*sets)
        if unknown:
            raise ValueError(f'unknown argument {unknown} for `preprocess`, `forward`, '
                             '`visualize` and `postprocess`; '
                             f'{type(self).__name__} accepts {sorted(set().union(*sets))}')
        dispatched: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
        for key, value in kwargs.items():
            index = next(i for i, keys in enumerate(sets) if key in keys)
            dispatched[index][key] = value
        return dispatched

    @staticmethod
    def list_models(scope: str | None = None, patterns: str = r'.*') -> list[str]:
        """Names and aliases in the metafiles of ``scope`` that match ``patterns``
        (``re.match``); also logged.

        Raises:
            ValueError: If no scope is given or set, or it is no OpenMMLab package.
        """
        if scope is None:
            default_scope = DefaultScope.get_current_instance()
            if default_scope is None:
                raise AssertValueError('scope should be initialized if you want to load config '
                                       'from metafile: pass scope=')
            scope = default_scope.scope_name
        if scope not in MODULE2PACKAGE:
            raise AssertValueError(f'{scope} not in {sorted(MODULE2PACKAGE)}!, please make pass '
                                   'a valid scope.')
        matched = [name for model in models_of(configs_root(scope)) for name in names_of(model)
                   if re.match(patterns, name) is not None]
        print_log(''.join(f'model_name: {name}\n' for name in matched), logger='current')
        return matched


def _saved_config(checkpoint: dict | None, weights: str | None) -> str:
    """The config text an MMEngine checkpoint saved (``message_hub`` or ``meta``)."""
    if checkpoint is None:
        raise ValueError('If model is None, the weights must be specified since the config '
                         'needs to be loaded from the weights')
    runtime_info = (checkpoint.get('message_hub') or {}).get('runtime_info') or {}
    if 'cfg' in runtime_info:
        return runtime_info['cfg']
    meta = checkpoint.get('meta')
    if meta is None:
        raise AssertValueError(
            'If model(config) is not provided, the checkpoint must contain the config string '
            'in `meta` or `message_hub`, but both `meta` and `message_hub` are not found in the '
            f'checkpoint {weights}.')
    if 'cfg' not in meta:
        raise ValueError(f'Cannot find the config in the checkpoint {weights}.')
    return meta['cfg']
