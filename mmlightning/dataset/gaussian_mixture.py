"""``GaussianMixtureDataset``: 2-D points drawn from Gaussians placed on a ring.

The classic toy target of GANs ("8 Gaussians"): a generator that collapses
onto a few modes is easy to see, and the data is generated, so the GAN example
config needs nothing on disk.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mmlightning.registry import DATASETS

from .base_dataset import BaseDataset


def ring_centers(num_modes: int, radius: float) -> np.ndarray:
    """The ``(num_modes, 2)`` centres, evenly spaced on a circle of ``radius``."""
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


@DATASETS.register_module()
class GaussianMixtureDataset(BaseDataset):
    """Points from an equal mixture of isotropic Gaussians centred on a ring.

    Each sample is ``dict(point=(2,) float32 array, mode=int)`` before the
    pipeline (:class:`BaseDataset` adds ``sample_idx``); ``mode`` is the index
    of the Gaussian it came from. The same ``seed`` gives the same points.

    Args:
        num_samples: How many points.
        num_modes: How many Gaussians.
        radius: Radius of the ring of centres.
        std: Standard deviation of each Gaussian.
        seed: Seed of the sampling.
        pipeline: Transforms, e.g. ``[dict(type='PackInputs', input_key='point')]``.
        **kwargs: Other :class:`BaseDataset` arguments.

    Raises:
        ValueError: If a count is not positive or ``std``/``radius`` is negative.
    """

    METAINFO: dict = dict(dataset_name='gaussian_mixture')

    def __init__(self, num_samples: int = 2048, num_modes: int = 8, radius: float = 2.0,
                 std: float = 0.05, seed: int = 0, metainfo: Mapping | None = None,
                 pipeline: Sequence[Mapping | Any] = (), **kwargs: Any) -> None:
        for name, count in (('num_samples', num_samples), ('num_modes', num_modes)):
            if not isinstance(count, int) or count < 1:
                raise ValueError(f'GaussianMixtureDataset: {name}={count!r} must be a positive '
                                 'integer')
        for name, value in (('radius', radius), ('std', std)):
            if value < 0:
                raise ValueError(f'GaussianMixtureDataset: {name}={value!r} must be >= 0')
        self.num_samples = num_samples
        self.num_modes = num_modes
        self.radius = radius
        self.std = std
        self.seed = seed
        kwargs.setdefault('ann_file', '')
        metainfo = dict(metainfo or {})
        metainfo.setdefault('centers', ring_centers(num_modes, radius).tolist())
        metainfo.setdefault('std', std)
        super().__init__(metainfo=metainfo, pipeline=pipeline, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Sample the points."""
        rng = np.random.default_rng(self.seed)
        modes = rng.integers(0, self.num_modes, size=self.num_samples)
        noise = rng.normal(0.0, self.std, size=(self.num_samples, 2)).astype(np.float32)
        points = ring_centers(self.num_modes, self.radius)[modes] + noise
        return [dict(point=points[i], mode=int(modes[i])) for i in range(self.num_samples)]
