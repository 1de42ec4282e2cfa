"""Dataset wrappers: ``ConcatDataset``, ``RepeatDataset``, ``ClassBalancedDataset``.

Wrappers do not inherit from :class:`BaseDataset`: a subset of a wrapper is
ambiguous, so ``get_subset``/``get_subset_`` raise; take subsets of the
wrapped datasets instead (``indices=...``).
"""
from __future__ import annotations

import bisect
import copy
import logging
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np
from torch.utils.data.dataset import ConcatDataset as _ConcatDataset

from mmlightning.registry import DATASETS

from .base_dataset import BaseDataset, force_full_init

logger = logging.getLogger(__name__)


def _build_dataset(dataset: BaseDataset | Mapping, where: str) -> BaseDataset:
    """Build a config; accept a BaseDataset or (unlike MMEngine) another wrapper."""
    if isinstance(dataset, Mapping):
        return DATASETS.build(dataset)
    if isinstance(dataset, (BaseDataset, _WrapperMixin)):
        return dataset  # type: ignore[return-value]
    raise TypeError(f'{where} must be a dataset config dict, a BaseDataset or a dataset '
                    f'wrapper, got {type(dataset).__name__}')


def _no_subset(wrapper: object) -> NoReturn:
    name = type(wrapper).__name__
    raise NotImplementedError(
        f'{name} does not support get_subset/get_subset_ because a subset of it is '
        f'ambiguous; take the subset of the wrapped dataset (indices=...) and wrap that.')


def _warn_not_initialized(wrapper: object) -> None:
    logger.warning('Call full_init() on %s before using it in a dataloader, to load the '
                   'annotations once', type(wrapper).__name__)


def _same_value(first: Any, other: Any) -> bool:
    if isinstance(first, np.ndarray):
        return bool(np.array_equal(first, other))
    return bool(first == other)


class _WrapperMixin:
    """``metainfo`` and the unsupported subset methods, shared by all wrappers."""

    _metainfo: dict
    _fully_initialized: bool

    @property
    def metainfo(self) -> dict:
        """A deep copy of the meta information (that of the first wrapped dataset)."""
        return copy.deepcopy(self._metainfo)

    def get_subset_(self, indices: Sequence[int] | int) -> None:
        """Not supported: raises ``NotImplementedError``."""
        _no_subset(self)

    def get_subset(self, indices: Sequence[int] | int) -> BaseDataset:
        """Not supported: raises ``NotImplementedError``."""
        _no_subset(self)


class _IndexMappingWrapper(_WrapperMixin):
    """A wrapper of one ``dataset`` whose indices map to the wrapped dataset's indices.

    Subclasses implement :meth:`_build_index_mapping` (run once, by :meth:`full_init`,
    after the wrapped dataset's ``full_init``) and :meth:`_get_ori_dataset_idx`.

    Args:
        dataset: The dataset or its config.
        lazy_init: Defer ``full_init`` of the wrapped dataset.
    """

    dataset: BaseDataset

    def __init__(self, dataset: BaseDataset | Mapping, lazy_init: bool) -> None:
        self.dataset = _build_dataset(dataset, f'{type(self).__name__}.dataset')
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _build_index_mapping(self) -> None:
        """Compute what :meth:`_get_ori_dataset_idx` needs from the initialised dataset."""
        raise NotImplementedError

    def _get_ori_dataset_idx(self, idx: int) -> int:
        """The index in the wrapped dataset of global index ``idx``."""
        raise NotImplementedError

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The annotation of global index ``idx``."""
        return self.dataset.get_data_info(self._get_ori_dataset_idx(idx))

    @force_full_init
    def get_cat_ids(self, idx: int) -> list[int]:
        """Category ids of global index ``idx`` (lets wrappers nest)."""
        return self.dataset.get_cat_ids(self._get_ori_dataset_idx(idx))

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            _warn_not_initialized(self)
            self.full_init()
        return self.dataset[self._get_ori_dataset_idx(idx)]

    def full_init(self) -> None:
        """``full_init`` the wrapped dataset and build the index mapping."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        self._build_index_mapping()
        self._fully_initialized = True


@DATASETS.register_module()
class ConcatDataset(_WrapperMixin, _ConcatDataset):
    """Concatenate datasets whose meta information agrees.

    Args:
        datasets: Datasets or their configs.
        lazy_init: Defer ``full_init`` of the wrapped datasets.
        ignore_keys: Metainfo keys allowed to differ between the datasets.

    Raises:
        TypeError: If ``ignore_keys`` is not a str or list, or a metainfo
            value's type differs between datasets.
        ValueError: If ``datasets`` is empty, or a metainfo key is missing
            from, or differs in, a dataset.
    """

    def __init__(self, datasets: Sequence[BaseDataset | Mapping], lazy_init: bool = False,
                 ignore_keys: str | list[str] | None = None) -> None:
        self.datasets: list[BaseDataset] = [
            _build_dataset(dataset, f'ConcatDataset.datasets[{i}]')
            for i, dataset in enumerate(datasets)]
        if not self.datasets:
            raise ValueError('ConcatDataset needs at least one dataset, got an empty sequence')
        if ignore_keys is None:
            self.ignore_keys: list[str] = []
        elif isinstance(ignore_keys, str):
            self.ignore_keys = [ignore_keys]
        elif isinstance(ignore_keys, list):
            self.ignore_keys = ignore_keys
        else:
            raise TypeError(
                f'ignore_keys must be a list or a str, got {type(ignore_keys).__name__}')
        self._metainfo = self.datasets[0].metainfo
        self._check_metainfo()
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _check_metainfo(self) -> None:
        keys: set[str] = set()
        for dataset in self.datasets:
            keys |= dataset.metainfo.keys()
        keys -= set(self.ignore_keys)
        for i, dataset in enumerate(self.datasets, 1):
            metainfo = dataset.metainfo
            for key in sorted(keys, key=str):
                if key not in metainfo or key not in self._metainfo:
                    raise ValueError(
                        f'ConcatDataset: the metainfo key {key!r} is missing from dataset {i} '
                        '(1-based) or the first one; add it, or pass ignore_keys=[...]')
                first, other = self._metainfo[key], metainfo[key]
                if type(first) is not type(other):
                    raise TypeError(
                        f'ConcatDataset: metainfo[{key!r}] of dataset {i} is a '
                        f'{type(other).__name__} but a {type(first).__name__} in the first one')
                if not _same_value(first, other):
                    raise ValueError(
                        f'ConcatDataset: metainfo[{key!r}] of dataset {i} ({other!r}) differs '
                        f'from the first dataset ({first!r}); pass ignore_keys=[{key!r}] if '
                        'that is intended')

    def full_init(self) -> None:
        """``full_init`` each wrapped dataset, then compute the cumulative sizes."""
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        _ConcatDataset.__init__(self, self.datasets)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> tuple[int, int]:
        """Map a global index to ``(dataset index, index in that dataset)``.

        Raises:
            ValueError: If a negative ``idx`` exceeds the length.
        """
        if idx < 0:
            if -idx > len(self):
                raise ValueError(f'absolute value of index ({idx}) must not exceed the dataset '
                                 f'length ({len(self)})')
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return dataset_idx, sample_idx

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The annotation of global index ``idx``."""
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx].get_data_info(sample_idx)

    @force_full_init
    def get_cat_ids(self, idx: int) -> list[int]:
        """Category ids of global index ``idx`` (not in MMEngine; lets wrappers nest)."""
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx].get_cat_ids(sample_idx)

    @force_full_init
    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            _warn_not_initialized(self)
            self.full_init()
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx][sample_idx]


@DATASETS.register_module()
class RepeatDataset(_IndexMappingWrapper):
    """Repeat a dataset ``times`` times (fewer, longer epochs for small datasets).

    Args:
        dataset: The dataset or its config.
        times: Repeat count.
        lazy_init: Defer ``full_init`` of the wrapped dataset.
    """

    def __init__(self, dataset: BaseDataset | Mapping, times: int,
                 lazy_init: bool = False) -> None:
        self.times = times
        super().__init__(dataset, lazy_init)

    def _build_index_mapping(self) -> None:
        self._ori_len = len(self.dataset)

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return idx % self._ori_len

    @force_full_init
    def __len__(self) -> int:
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset(_IndexMappingWrapper):
    """Repeat samples of rare categories (repeat-factor sampling, LVIS).

    With ``f(c)`` the fraction of samples containing category ``c``, the
    category repeat factor is ``r(c) = max(1, sqrt(oversample_thr / f(c)))``,
    a sample's factor is the largest ``r(c)`` of its categories (1 without
    categories), and the sample appears ``ceil(factor)`` times per epoch.
    The wrapped dataset must implement ``get_cat_ids(idx)``.

    Args:
        dataset: The dataset or its config.
        oversample_thr: Frequency below which a category is oversampled.
        lazy_init: Defer ``full_init`` of the wrapped dataset.
    """

    def __init__(self, dataset: BaseDataset | Mapping, oversample_thr: float,
                 lazy_init: bool = False) -> None:
        self.oversample_thr = oversample_thr
        super().__init__(dataset, lazy_init)

    def _build_index_mapping(self) -> None:
        repeat_factors = self._get_repeat_factors(self.dataset, self.oversample_thr)
        self.repeat_indices: list[int] = [
            index for index, factor in enumerate(repeat_factors)
            for _ in range(math.ceil(factor))]

    def _get_repeat_factors(self, dataset: BaseDataset, repeat_thr: float) -> list[float]:
        """The repeat factor of each sample of ``dataset``."""
        num_samples = len(dataset)
        cat_ids_per_sample = [set(dataset.get_cat_ids(idx)) for idx in range(num_samples)]
        category_count: defaultdict[Any, int] = defaultdict(int)
        for cat_ids in cat_ids_per_sample:
            for cat_id in cat_ids:
                category_count[cat_id] += 1
        category_repeat = {
            cat_id: max(1.0, math.sqrt(repeat_thr / (count / num_samples)))
            for cat_id, count in category_count.items()}
        return [max(category_repeat[cat_id] for cat_id in cat_ids) if cat_ids else 1.0
                for cat_ids in cat_ids_per_sample]

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return self.repeat_indices[idx]

    @force_full_init
    def __len__(self) -> int:
        return len(self.repeat_indices)
