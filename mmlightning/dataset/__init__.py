"""Datasets, dataset wrappers, samplers, transforms, collate functions (``mmengine.dataset``).

Importing this package registers its classes and functions in ``DATASETS``,
``DATA_SAMPLERS``, ``TRANSFORMS`` and ``FUNCTIONS``; those registries import
it on their first lookup.
"""
from .base_dataset import BaseDataset, Compose, force_full_init
from .builder import build_dataloader
from .dataset_wrapper import ClassBalancedDataset, ConcatDataset, RepeatDataset
from .digits import DigitsDataset
from .gaussian_mixture import GaussianMixtureDataset
from .sampler import DefaultSampler, InfiniteSampler
from .transforms import PackInputs, ToTensor, to_tensor
from .utils import COLLATE_FUNCTIONS, default_collate, pseudo_collate, worker_init_fn

__all__ = [
    'COLLATE_FUNCTIONS', 'BaseDataset', 'ClassBalancedDataset', 'Compose', 'ConcatDataset',
    'DefaultSampler', 'InfiniteSampler', 'PackInputs', 'RepeatDataset', 'ToTensor',
    'build_dataloader', 'default_collate', 'force_full_init', 'pseudo_collate', 'to_tensor',
    'worker_init_fn',
    'DigitsDataset', 'GaussianMixtureDataset',
]
