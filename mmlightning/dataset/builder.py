"""``build_dataloader``: a ``DataLoader`` from a config, as MMEngine's Runner builds it."""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import torch
from torch.utils.data import DataLoader

from mmlightning.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, Registry
from mmlightning.registry.key_paths import key_path_of, located
from mmlightning.utils.errors import ReadableKeyError
from mmlightning.utils.suggestions import did_you_mean

from .dist_utils import get_dist_info
from .in_process import read_in_this_process
from .utils import worker_init_fn as default_worker_init_fn


class _SlicedDataset:
    """The first ``length`` samples of a dataset (``num_batch_per_epoch``)."""

    def __init__(self, dataset: Any, length: int) -> None:
        self._dataset = dataset
        self._length = length

    def __getattr__(self, name: str) -> Any:
        if name == '_dataset':  # not set yet while unpickling in a spawned worker
            raise AttributeError(name)
        return getattr(self._dataset, name)

    def __getitem__(self, idx: int) -> Any:
        return self._dataset[idx]

    def __len__(self) -> int:
        return self._length


def _get_function(type_: Any, key: str) -> Callable:
    """Resolve ``type=`` of a function config: a registered name or a callable."""
    if callable(type_):
        return type_
    if not isinstance(type_, str):
        raise TypeError(f'{key}.type must be a registered function name or a callable, '
                        f'got {type(type_).__name__}: {type_!r}')
    with FUNCTIONS.switch_scope_and_registry(None) as registry:
        function = registry.get(type_)
        if function is None:
            names = _names_in_tree(registry)
            raise ReadableKeyError(
                f'{type_!r} is not in the {registry.scope}::{registry.name} registry '
                f'(while building {key}).{did_you_mean(type_, names)} Register it with '
                '@FUNCTIONS.register_module() or pass the function itself.')
    return function


def _names_in_tree(registry: Registry | None) -> list[str]:
    names: list[str] = []
    while registry is not None:
        registry.import_from_location()
        names.extend(registry.module_dict)
        registry = registry.parent
    return names


def _batch_size(cfg: Mapping[str, Any]) -> int:
    if 'batch_size' in cfg:
        return cfg['batch_size']
    batch_sampler = cfg.get('batch_sampler')
    if isinstance(batch_sampler, Mapping) and 'batch_size' in batch_sampler:
        return batch_sampler['batch_size']
    raise ValueError('num_batch_per_epoch needs batch_size: set it in the dataloader config '
                     'or in its batch_sampler')


def _build_dataset(cfg: dict[str, Any]) -> Any:
    if 'dataset' not in cfg:
        raise ReadableKeyError(f'the dataloader config has no "dataset" key (got keys '
                               f'{sorted(cfg)}); add dataset=dict(type=...)')
    dataset = cfg.pop('dataset')
    if isinstance(dataset, Mapping):
        dataset = DATASETS.build(dataset)
        if hasattr(dataset, 'full_init'):
            dataset.full_init()
        if not cfg.get('num_workers'):
            read_in_this_process(dataset)
    num_batch_per_epoch = cfg.pop('num_batch_per_epoch', None)
    if num_batch_per_epoch is not None:
        num_samples = num_batch_per_epoch * _batch_size(cfg) * get_dist_info()[1]
        dataset = _SlicedDataset(dataset, min(num_samples, len(dataset)))
    return dataset


def _build_samplers(cfg: dict[str, Any], dataset: Any, seed: int | None,
                    diff_rank_seed: bool) -> tuple[Any, Any]:
    if 'sampler' in cfg:
        sampler = cfg.pop('sampler')
    else:
        sampler = dict(type='DefaultSampler', shuffle=cfg.pop('shuffle', False))
    if isinstance(sampler, Mapping):
        sampler = DATA_SAMPLERS.build(
            sampler, default_args=dict(dataset=dataset, seed=None if diff_rank_seed else seed))
    batch_sampler = cfg.pop('batch_sampler', None)
    if isinstance(batch_sampler, Mapping):
        if 'batch_size' not in cfg:
            raise ReadableKeyError('a batch_sampler config needs batch_size in the dataloader '
                                   'config (it is passed to the batch sampler)')
        batch_sampler = DATA_SAMPLERS.build(
            batch_sampler, default_args=dict(sampler=sampler, batch_size=cfg.pop('batch_size')))
    return sampler, batch_sampler


def _build_worker_init_fn(cfg: dict[str, Any], seed: int | None) -> Callable | None:
    if 'worker_init_fn' in cfg:
        init_cfg = dict(cfg.pop('worker_init_fn'))
        function = _get_function(init_cfg.pop('type', None), 'worker_init_fn')
        return partial(function, **init_cfg)
    if seed is None:
        return None
    disable_subprocess_warning = cfg.pop('disable_subprocess_warning', False)
    if not isinstance(disable_subprocess_warning, bool):
        raise TypeError('disable_subprocess_warning must be a bool, got '
                        f'{type(disable_subprocess_warning).__name__}')
    return partial(default_worker_init_fn, num_workers=cfg.get('num_workers'),
                   rank=get_dist_info()[0], seed=seed,
                   disable_subprocess_warning=disable_subprocess_warning)


def _build_collate_fn(cfg: dict[str, Any]) -> Callable:
    collate_cfg = cfg.pop('collate_fn', dict(type='pseudo_collate'))
    if isinstance(collate_cfg, Mapping):
        collate_cfg = dict(collate_cfg)
        function = _get_function(collate_cfg.pop('type', None), 'collate_fn')
        return partial(function, **collate_cfg)
    if callable(collate_cfg):
        return collate_cfg
    raise TypeError('collate_fn should be a dict or callable object: '
                    f'collate_fn must be a dict or a callable, got {collate_cfg!r}')


def build_dataloader(cfg: DataLoader | Mapping[str, Any], seed: int | None = None,
                     diff_rank_seed: bool = False) -> DataLoader:
    """Build a ``DataLoader`` from a config, following MMEngine's ``Runner.build_dataloader``.

    Keys: ``dataset`` (config, built from ``DATASETS`` and ``full_init``-ed,
    or an instance); ``sampler`` (config built from ``DATA_SAMPLERS`` with
    ``dataset`` and ``seed``, or an instance; when absent a
    ``DefaultSampler`` whose ``shuffle`` is the popped ``shuffle`` key,
    default ``False``); ``batch_sampler`` (config built with the sampler and
    the popped ``batch_size``); ``collate_fn`` (config from ``FUNCTIONS``, extra
    keys bound, default ``pseudo_collate``; or a callable); ``worker_init_fn``
    (config from ``FUNCTIONS``); ``num_batch_per_epoch`` (use only the first
    ``n * batch_size * world_size`` samples); ``disable_subprocess_warning``.
    Without workers, a dataset built here keeps its samples as a list even with
    ``serialize_data=True`` (see :func:`read_in_this_process`).
    Everything else (``batch_size``, ``num_workers``, ``persistent_workers``,
    ``pin_memory``, ``drop_last``...) goes to ``DataLoader`` unchanged. Unlike
    MMEngine, the loader gets its own ``generator`` (seeded with ``seed``), so
    starting an epoch does not consume the global RNG.

    Args:
        cfg: The dataloader config; a ``DataLoader`` is returned as is.
        seed: Seed for the sampler and, unless ``worker_init_fn`` is given,
            for each worker (``num_workers * rank + worker_id + seed``).
        diff_rank_seed: Give the sampler ``seed=None`` (a seed broadcast from
            rank 0), as MMEngine does when ranks use different seeds.

    Returns:
        The dataloader.

    Raises:
        KeyError: If ``dataset`` is missing or a function type is not registered.
        TypeError: If ``collate_fn`` or a function ``type`` has the wrong type.
    """
    if isinstance(cfg, DataLoader):
        return cfg
    if not isinstance(cfg, Mapping):
        raise TypeError(f'a dataloader config must be a dict or a DataLoader, '
                        f'got {type(cfg).__name__}')
    loader_cfg = {key: copy.deepcopy(value) for key, value in cfg.items()}
    with located(loader_cfg, key_path_of(cfg)):  # errors name 'train_dataloader.dataset'
        dataset = _build_dataset(loader_cfg)
        sampler, batch_sampler = _build_samplers(loader_cfg, dataset, seed, diff_rank_seed)
    init_fn = _build_worker_init_fn(loader_cfg, seed)
    collate_fn = _build_collate_fn(loader_cfg)
    if 'generator' not in loader_cfg:
        # Starting an epoch then draws the workers' base seed from this generator, not
        # from the global RNG, which training (dropout) uses: resuming stays exact.
        loader_cfg['generator'] = torch.Generator().manual_seed(0 if seed is None else seed)
    return DataLoader(dataset=dataset, sampler=sampler if batch_sampler is None else None,
                      batch_sampler=batch_sampler, collate_fn=collate_fn,
                      worker_init_fn=init_fn, **loader_cfg)
