"""``GaussianMixtureCoverage``: sample quality and mode coverage of a generator of 2-D points."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from mmlightning.registry import METRICS

from .metric import BaseMetric
from .samples import get_field, to_tensor


@METRICS.register_module()
class GaussianMixtureCoverage(BaseMetric):
    """The usual GAN measures on a mixture of Gaussians (Srivastava et al., VEEGAN, 2017).

    A generated point is *high quality* when it lies within ``num_std``
    standard deviations of its nearest centre; a mode is *covered* when at
    least ``min_count`` high-quality points are nearest to it. Returns
    ``high_quality`` (percent of points) and ``modes`` (covered modes).

    The centres and the standard deviation come from the arguments or, when
    those are None, from the dataset's metainfo (``centers``, ``std``), which
    :class:`~mmlightning.dataset.GaussianMixtureDataset` provides.

    Args:
        fake_key: Field of each data sample holding the generated point.
        centers: The mixture's centres, ``(num_modes, dim)``.
        std: The standard deviation of each Gaussian.
        num_std: Distance (in standard deviations) of a high-quality point.
        min_count: High-quality points a mode needs to count as covered.
        collect_device: See :class:`BaseMetric`.
        prefix: See :class:`BaseMetric`; ``'gmm'`` if None.
    """

    default_prefix: str | None = 'gmm'

    def __init__(self, fake_key: str = 'fake', centers: Sequence[Sequence[float]] | None = None,
                 std: float | None = None, num_std: float = 3.0, min_count: int = 1,
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.fake_key = fake_key
        self.centers = centers
        self.std = std
        self.num_std = num_std
        self.min_count = min_count

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's generated point."""
        self.results.extend(to_tensor(get_field(s, self.fake_key)).float().reshape(-1)
                            for s in data_samples)

    def _mixture(self) -> tuple[torch.Tensor, float]:
        meta = self.dataset_meta or {}
        centers = self.centers if self.centers is not None else meta.get('centers')
        std = self.std if self.std is not None else meta.get('std')
        if centers is None or std is None:
            raise ValueError('GaussianMixtureCoverage needs the mixture: pass centers= and std=, '
                             "or evaluate a dataset whose metainfo has 'centers' and 'std' "
                             '(GaussianMixtureDataset)')
        return torch.as_tensor(centers, dtype=torch.float32), float(std)

    def compute_metrics(self, results: list) -> dict:
        """Compute ``high_quality`` (percent) and ``modes`` (count).

        Raises:
            ValueError: If the mixture is unknown or the points' dimension differs
                from the centres'.
        """
        centers, std = self._mixture()
        fake = torch.stack(results)
        if fake.size(1) != centers.size(1):
            raise ValueError(f'GaussianMixtureCoverage: generated points have dimension '
                             f'{fake.size(1)} but the centres {centers.size(1)}; check fake_key')
        distances = torch.cdist(fake, centers)
        nearest, mode = distances.min(dim=1)
        good = nearest <= self.num_std * std
        counts = torch.bincount(mode[good], minlength=len(centers))
        return dict(high_quality=good.float().mean().item() * 100,
                    modes=int((counts >= self.min_count).sum()))
