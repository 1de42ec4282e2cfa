"""Rank, world size and a shared random seed for samplers and the dataloader builder.

Re-exported from :mod:`mmlightning.dist`, their home (``mmengine.dist``'s
helpers on the default process group).
"""
from mmlightning.dist import get_dist_info, get_rank, sync_random_seed

__all__ = ['get_dist_info', 'get_rank', 'sync_random_seed']
