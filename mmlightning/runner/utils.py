"""Runner helpers with MMEngine's names: seeding."""
from __future__ import annotations

import logging
import random

import numpy as np
import torch

from mmlightning.dataset.dist_utils import get_rank, sync_random_seed

logger = logging.getLogger('mmlightning')


def set_random_seed(seed: int | None = None, deterministic: bool = False,
                    diff_rank_seed: bool = False) -> int:
    """Seed ``random``, NumPy and torch (MMEngine's ``set_random_seed``).

    Args:
        seed: The seed; ``None`` draws one shared by all ranks.
        deterministic: Make cuDNN deterministic (``benchmark`` off).
        diff_rank_seed: Add the rank to the seed, so ranks differ.

    Returns:
        The seed used.
    """
    if seed is None:
        seed = sync_random_seed()
    if diff_rank_seed:
        seed += get_rank()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        if torch.backends.cudnn.benchmark:
            logger.warning('torch.backends.cudnn.benchmark is set to False so that cuDNN '
                           'selects algorithms deterministically')
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed
