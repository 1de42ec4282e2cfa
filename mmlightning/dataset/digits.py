"""``DigitsDataset``: scikit-learn's bundled 8x8 handwritten digits, split deterministically.

The 1797 images ship with scikit-learn (no download), which makes them the
data of the example configs: a classifier reaches ~98% accuracy in seconds on
a CPU. Install scikit-learn with ``pip install mmlightning[examples]``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mmlightning.registry import DATASETS

from .base_dataset import BaseDataset

SPLITS = ('train', 'val', 'test')


def _check_split(split: str, val_ratio: float, test_ratio: float) -> None:
    if split not in SPLITS:
        raise ValueError(f'DigitsDataset: split={split!r} is not one of {SPLITS}')
    for name, ratio in (('val_ratio', val_ratio), ('test_ratio', test_ratio)):
        if not 0 <= ratio < 1:
            raise ValueError(f'DigitsDataset: {name}={ratio!r} must be in [0, 1)')


def split_indices(num_samples: int, split: str, val_ratio: float, test_ratio: float,
                  seed: int) -> np.ndarray:
    """The sorted sample indices of ``split`` in a fixed random partition.

    The samples are shuffled once with ``seed``; the first ``test_ratio`` of
    them is the test split, the next ``val_ratio`` the validation split and
    the rest the training split, so the three are disjoint and cover all.

    Args:
        num_samples: How many samples there are.
        split: ``'train'``, ``'val'`` or ``'test'``.
        val_ratio: Fraction of samples in the validation split.
        test_ratio: Fraction of samples in the test split.
        seed: Seed of the shuffle.

    Returns:
        The indices, in increasing order.

    Raises:
        ValueError: If ``split`` is unknown or the ratios are not in ``[0, 1)``
            or leave no training sample.
    """
    _check_split(split, val_ratio, test_ratio)
    num_test = round(num_samples * test_ratio)
    num_val = round(num_samples * val_ratio)
    if num_test + num_val >= num_samples:
        raise ValueError(f'DigitsDataset: val_ratio={val_ratio} + test_ratio={test_ratio} '
                         'leave no training sample; lower them')
    order = np.random.default_rng(seed).permutation(num_samples)
    bounds = {'test': (0, num_test), 'val': (num_test, num_test + num_val),
              'train': (num_test + num_val, num_samples)}
    start, stop = bounds[split]
    return np.sort(order[start:stop])


def _load_digits() -> Any:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError('DigitsDataset needs scikit-learn, which holds the digits images: '
                          "run `pip install 'mmlightning[examples]'` (or "
                          '`pip install scikit-learn`)') from error
    return load_digits()


@DATASETS.register_module()
class DigitsDataset(BaseDataset):
    """scikit-learn's handwritten digits: 1797 grey 8x8 images of 10 classes.

    Each sample is ``dict(img=(1, 8, 8) float32 array with values 0..16,
    gt_label=int, img_id=int, img_shape=(8, 8), ori_shape=(8, 8))``
    before the pipeline; ``img_id`` is the index in scikit-learn's whole set,
    ``sample_idx`` (added by :class:`BaseDataset`) the index in this split.

    Args:
        split: ``'train'``, ``'val'`` or ``'test'``; see :func:`split_indices`.
        val_ratio: Fraction of the images in the validation split.
        test_ratio: Fraction of the images in the test split.
        seed: Seed of the split (the same seed gives the same split everywhere).
        metainfo: Overrides of :attr:`METAINFO`.
        pipeline: Transforms, e.g. ``[dict(type='PackInputs')]``.
        **kwargs: Other :class:`BaseDataset` arguments (``indices``,
            ``test_mode``, ``lazy_init``, ...).

    Raises:
        ValueError: If ``split`` or a ratio is invalid (see :func:`split_indices`).
        ImportError: If scikit-learn is not installed (when the data loads).
    """

    METAINFO: dict = dict(classes=tuple(str(digit) for digit in range(10)))

    def __init__(self, split: str = 'train', val_ratio: float = 0.15,
                 test_ratio: float = 0.15, seed: int = 0, metainfo: Mapping | None = None,
                 pipeline: Sequence[Mapping | Any] = (), **kwargs: Any) -> None:
        _check_split(split, val_ratio, test_ratio)
        self.split = split
        self.val_ratio = val_ratio
        self.test_ratio = test_ratio
        self.seed = seed
        kwargs.setdefault('ann_file', '')
        super().__init__(metainfo=metainfo, pipeline=pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Load the images of this split (imports scikit-learn here, not at import time)."""
        digits = _load_digits()
        images = digits.images.astype(np.float32)
        indices = split_indices(len(images), self.split, self.val_ratio, self.test_ratio,
                                self.seed)
        return [dict(img=images[i][None], gt_label=int(digits.target[i]), img_id=int(i),
                     img_shape=(8, 8), ori_shape=(8, 8)) for i in indices]
