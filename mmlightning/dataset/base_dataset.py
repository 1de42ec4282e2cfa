"""``BaseDataset``: the OpenMMLab 2.0 dataset (metainfo, data list, pipeline)."""
from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
from torch.utils.data import Dataset

from mmlightning.config import Config
from mmlightning.fileio import join_path
from mmlightning.utils.errors import ReadableKeyError, add_note

from .compose import Compose
from .file_utils import is_abs, list_from_file, load
from .serialization import deserialize, serialize, subset

__all__ = ['BaseDataset', 'Compose', 'force_full_init']

logger = logging.getLogger(__name__)
F = TypeVar('F', bound=Callable[..., Any])


def force_full_init(old_func: F) -> F:
    """Decorate a dataset method so that it calls ``full_init()`` first if needed.

    Args:
        old_func: A method of an object that has a ``full_init`` method.

    Returns:
        The wrapped method.
    """

    @functools.wraps(old_func)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(obj, 'full_init'):
            raise AttributeError(
                f'{type(obj).__name__} has no full_init method, so {old_func.__qualname__} '
                'cannot be decorated with force_full_init')
        if not getattr(obj, '_fully_initialized', False):
            logger.warning('%s is not fully initialized: calling full_init() before %s',
                           type(obj).__name__, old_func.__name__)
            obj.full_init()
            obj._fully_initialized = True
        return old_func(obj, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class BaseDataset(Dataset):
    """Base class of OpenMMLab-style datasets.

    The default :meth:`load_data_list` reads an annotation file (json, yaml
    or pkl) of the form ``{"metainfo": {...}, "data_list": [{...}, ...]}``;
    a subclass for another format overrides :meth:`load_data_list` only.

    Meta information is merged from the annotation file (lowest priority),
    the class attribute ``METAINFO`` and the ``metainfo`` argument (highest).

    Args:
        ann_file: Annotation file path, joined onto ``data_root`` when relative.
        metainfo: Meta information (e.g. ``classes``). A str value naming an
            existing file is replaced by that file's lines.
        data_root: Root joined in front of ``ann_file`` and the relative values
            of ``data_prefix``.
        data_prefix: For each key, a prefix joined onto that key's value in
            every sample (e.g. ``dict(img_path='images')``).
        filter_cfg: Config for :meth:`filter_data`, used by subclasses.
        indices: Keep only these samples: an int keeps the first ``indices``
            (the last ``-indices`` when negative), a sequence picks samples.
        serialize_data: Keep the data list as one numpy byte buffer, shared by
            dataloader workers instead of copied into each.
        pipeline: Transforms (configs or callables), applied by :class:`Compose`.
        test_mode: In test mode a sample the pipeline drops is an error; in
            training another random sample is drawn instead.
        lazy_init: Skip loading annotations in ``__init__``; they load on
            :meth:`full_init` or on first use.
        max_refetch: How many other samples to try when the pipeline returns
            ``None`` in training.
    """

    METAINFO: dict = dict()
    _fully_initialized: bool = False

    def __init__(self,
                 ann_file: str | None = '',
                 metainfo: Mapping | Config | None = None,
                 data_root: str | None = '',
                 data_prefix: Mapping[str, str] = MappingProxyType({'img_path': ''}),
                 filter_cfg: dict | None = None,
                 indices: int | Sequence[int] | None = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Mapping | Callable] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000) -> None:
        self.ann_file = ann_file
        self._metainfo = self._load_metainfo(copy.deepcopy(metainfo))
        self.data_root = data_root
        self.data_prefix = dict(data_prefix)
        self.filter_cfg = copy.deepcopy(filter_cfg)
        self._indices = indices
        self.serialize_data = serialize_data
        self.test_mode = test_mode
        self.max_refetch = max_refetch
        self.data_list: list[dict] = []
        self.data_bytes: np.ndarray
        self.data_address: np.ndarray
        self._join_prefix()
        self.pipeline = Compose(pipeline)
        if not lazy_init:
            self.full_init()

    # ------------------------------------------------------------ loading
    def full_init(self) -> None:
        """Load, filter, slice and serialize the data list (once).

        Called by ``__init__`` unless ``lazy_init=True``, and by every method
        decorated with :func:`force_full_init`.
        """
        if self._fully_initialized:
            return
        self.data_list = self.load_data_list()
        self.data_list = self.filter_data()
        if self._indices is not None:
            self.data_list = self._get_unserialized_subset(self._indices)
        if self.serialize_data:
            self.data_bytes, self.data_address = self._serialize_data()
        self._fully_initialized = True

    def load_data_list(self) -> list[dict]:
        """Load the data list from ``self.ann_file`` (OpenMMLab 2.0 format).

        The file's ``metainfo`` fills only keys not already set by ``METAINFO``
        or the ``metainfo`` argument. Each raw item goes through
        :meth:`parse_data_info`.

        Returns:
            One dict per sample.

        Raises:
            ValueError: If the annotation file lacks ``data_list``/``metainfo``.
            FileNotFoundError: If the annotation file does not exist.
            TypeError: If ``ann_file`` is empty, the file does not hold a dict, or
                a parsed item is not a dict or list of dicts.
        """
        name = type(self).__name__
        if not self.ann_file:  # a missing argument: TypeError, as MMEngine's load('') raises
            raise TypeError(
                f'{name}: ann_file is empty. Pass ann_file=... (a json/yaml/pkl file with '
                '"metainfo" and "data_list"), or override load_data_list() in a subclass.')
        try:
            annotations = load(self.ann_file)
        except FileNotFoundError as error:
            add_note(error, f'{name}(ann_file={self.ann_file!r}, data_root={self.data_root!r}): '
                            'check ann_file and data_root')
            raise
        if not isinstance(annotations, dict):
            raise TypeError(f'{name}: {self.ann_file!r} must hold a dict with "metainfo" and '
                            f'"data_list", got {type(annotations).__name__}')
        if 'data_list' not in annotations or 'metainfo' not in annotations:
            raise ValueError(
                f'{name}: {self.ann_file!r} must have the keys "data_list" and "metainfo" '
                f'(OpenMMLab 2.0 format), got {sorted(annotations)}; convert the file or '
                'override load_data_list()')
        for key, value in annotations['metainfo'].items():
            self._metainfo.setdefault(key, value)
        data_list: list[dict] = []
        for raw_data_info in annotations['data_list']:
            data_info = self.parse_data_info(raw_data_info)
            if isinstance(data_info, dict):
                data_list.append(data_info)
            elif isinstance(data_info, list) and all(isinstance(d, dict) for d in data_info):
                data_list.extend(data_info)
            else:
                raise TypeError(f'{name}.parse_data_info must return a dict or a list of '
                                f'dicts, got {data_info!r}')
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict | list[dict]:
        """Join each ``data_prefix`` value onto the matching field of a raw sample.

        Override to convert another annotation layout; return a dict, or a
        list of dicts for several samples (e.g. the frames of a video).

        Raises:
            KeyError: If the sample has no field for a ``data_prefix`` key.
        """
        for prefix_key, prefix in self.data_prefix.items():
            if prefix_key not in raw_data_info:
                raise ReadableKeyError(
                    f'{type(self).__name__}: data_prefix has the key {prefix_key!r} but the '
                    f'sample {raw_data_info!r} has no such field; fix data_prefix (e.g. '
                    f'data_prefix=dict({next(iter(raw_data_info), "img_path")}=...)).')
            raw_data_info[prefix_key] = join_path(prefix, raw_data_info[prefix_key])
        return raw_data_info

    def filter_data(self) -> list[dict]:
        """Return the samples to keep (all of them); subclasses use ``filter_cfg``."""
        return self.data_list

    def get_cat_ids(self, idx: int) -> list[int]:
        """Category ids of sample ``idx``; needed by :class:`ClassBalancedDataset`."""
        raise NotImplementedError(
            f'{type(self).__name__} must implement get_cat_ids(idx) to be wrapped by '
            'ClassBalancedDataset')

    # ------------------------------------------------------------- access
    @property
    def metainfo(self) -> dict:
        """A deep copy of the merged meta information."""
        return copy.deepcopy(self._metainfo)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Return a copy of sample ``idx`` with ``sample_idx`` set (non-negative)."""
        if self.serialize_data:
            data_info = deserialize(self.data_bytes, self.data_address, idx)
        else:
            data_info = copy.deepcopy(self.data_list[idx])
        data_info['sample_idx'] = idx if idx >= 0 else len(self) + idx
        return data_info

    def prepare_data(self, idx: int) -> Any:
        """Apply the pipeline to :meth:`get_data_info` of ``idx``."""
        return self.pipeline(self.get_data_info(idx))

    def __getitem__(self, idx: int) -> Any:
        """Return the processed sample ``idx``.

        Raises:
            RuntimeError: If the pipeline returns ``None`` in test mode, or in
                training for ``max_refetch + 1`` samples in a row.
        """
        if not self._fully_initialized:
            logger.warning('Call full_init() before using %s in a dataloader: each worker '
                           'would otherwise load the annotations again', type(self).__name__)
            self.full_init()
        name = type(self).__name__
        if self.test_mode:
            data = self._prepare_noted(idx)
            if data is None:
                raise RuntimeError(
                    f'{name}: the pipeline returned None for sample {idx} in test mode; a test '
                    'pipeline must not drop samples')
            return data
        first_idx = idx
        for _ in range(self.max_refetch + 1):
            data = self._prepare_noted(idx)
            if data is not None:
                return data
            idx = self._rand_another()
        raise RuntimeError(
            f'{name}: cannot find a valid sample after {self.max_refetch} refetches, starting '
            f'from index {first_idx}: the pipeline returned None each time. Check the data '
            'paths and the pipeline, or raise max_refetch.')

    def _prepare_noted(self, idx: int) -> Any:
        try:
            return self.prepare_data(idx)
        except Exception as error:
            add_note(error, f'while preparing sample {idx} of {type(self).__name__}')
            raise

    def _rand_another(self) -> int:
        """A random index in ``[0, len(self))`` (``np.random``, seeded per worker)."""
        return np.random.randint(0, len(self))

    @force_full_init
    def __len__(self) -> int:
        return len(self.data_address) if self.serialize_data else len(self.data_list)

    # ------------------------------------------------------------ subsets
    @force_full_init
    def get_subset_(self, indices: Sequence[int] | int) -> None:
        """Keep only ``indices`` in place (see :meth:`get_subset`)."""
        if self.serialize_data:
            self.data_bytes, self.data_address = self._get_serialized_subset(indices)
        else:
            self.data_list = self._get_unserialized_subset(indices)

    @force_full_init
    def get_subset(self, indices: Sequence[int] | int) -> BaseDataset:
        """Return a copy of the dataset holding only ``indices``.

        Args:
            indices: An int keeps the first ``indices`` samples (the last
                ``-indices`` when negative); a sequence picks samples in order.

        Returns:
            A new dataset of the same class, sharing no state with this one.
        """
        sub_dataset = self._copy_without_annotation()
        if self.serialize_data:
            data_bytes, data_address = self._get_serialized_subset(indices)
            sub_dataset.data_bytes = data_bytes.copy()
            sub_dataset.data_address = data_address.copy()
            sub_dataset.data_list = []
        else:
            sub_dataset.data_list = copy.deepcopy(self._get_unserialized_subset(indices))
        return sub_dataset

    def _get_serialized_subset(self, indices: Sequence[int] | int,
                               ) -> tuple[np.ndarray, np.ndarray]:
        return subset(self.data_bytes, self.data_address, indices)

    def _get_unserialized_subset(self, indices: Sequence[int] | int) -> list:
        if isinstance(indices, int):
            return self.data_list[:indices] if indices >= 0 else self.data_list[indices:]
        if isinstance(indices, Sequence):
            return [self.data_list[idx] for idx in indices]
        raise TypeError(f'indices must be an int or a sequence of ints, '
                        f'got {type(indices).__name__}')

    def _serialize_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Serialize ``self.data_list`` and release it; see :mod:`.serialization`."""
        data_bytes, data_address = serialize(self.data_list)
        self.data_list = []
        return data_bytes, data_address

    def _copy_without_annotation(self) -> BaseDataset:
        """Deep-copy every attribute except the data list and its buffers."""
        other = type(self).__new__(type(self))
        memo: dict[int, Any] = {id(self): other}
        for key, value in self.__dict__.items():
            if key not in ('data_list', 'data_address', 'data_bytes'):
                other.__dict__[key] = copy.deepcopy(value, memo)
        return other

    # -------------------------------------------------------- construction
    @classmethod
    def _load_metainfo(cls, metainfo: Mapping | Config | None = None) -> dict:
        """Merge ``metainfo`` over a copy of ``cls.METAINFO``.

        A str value naming an existing file is replaced by the file's lines.

        Raises:
            TypeError: If ``metainfo`` is neither a mapping nor a :class:`Config`.
        """
        cls_metainfo = copy.deepcopy(cls.METAINFO)
        if metainfo is None:
            return cls_metainfo
        if not isinstance(metainfo, (Mapping, Config)):
            raise TypeError(f'metainfo should be a Mapping or Config, but got {type(metainfo)}: '
                            f'{cls.__name__} takes a dict, a Config or None as metainfo, got '
                            f'{metainfo!r}')
        for key, value in metainfo.items():
            if isinstance(value, str):
                try:
                    value = list_from_file(value)
                except (TypeError, FileNotFoundError):
                    logger.warning('%s is not a meta file, simply parsed as meta information',
                                   value)
            cls_metainfo[key] = value
        return cls_metainfo

    def _join_prefix(self) -> None:
        """Join ``data_root`` in front of a relative ``ann_file`` and ``data_prefix`` values.

        Raises:
            TypeError: If a ``data_prefix`` value is not a str.
        """
        if self.ann_file and not is_abs(self.ann_file) and self.data_root:
            self.ann_file = join_path(self.data_root, self.ann_file)
        for key, prefix in self.data_prefix.items():
            if not isinstance(prefix, str):
                raise TypeError(f'{type(self).__name__}: data_prefix[{key!r}] must be a str, '
                                f'got {type(prefix).__name__}: {prefix!r}')
            if not is_abs(prefix) and self.data_root:
                self.data_prefix[key] = join_path(self.data_root, prefix)
