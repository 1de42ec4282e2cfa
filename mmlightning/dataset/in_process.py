"""Datasets read by the main process alone keep their samples as a list.

``serialize_data=True`` packs the samples into one byte buffer so that dataloader workers share
it instead of copying a list of dicts page by page. With ``num_workers=0`` nothing is shared,
and unpickling every sample costs more than copying it from a list (about 2x per sample for a
small image dict), so the loader's own dataset is unpacked once when the loader is built.
"""
from __future__ import annotations

from typing import Any

from .base_dataset import BaseDataset
from .serialization import deserialize


def read_in_this_process(dataset: Any) -> None:
    """Unpack the serialized samples of ``dataset`` and of the datasets it wraps, in place.

    Args:
        dataset: A dataset a dataloader without workers reads: a :class:`BaseDataset`, or a
            wrapper holding them in ``dataset`` / ``datasets`` (``ConcatDataset``,
            ``RepeatDataset``, ``ClassBalancedDataset``). Others are left as they are.
    """
    if isinstance(dataset, BaseDataset):
        if dataset.serialize_data and dataset._fully_initialized:
            dataset.data_list = [deserialize(dataset.data_bytes, dataset.data_address, index)
                                 for index in range(len(dataset.data_address))]
            dataset.serialize_data = False
            del dataset.data_bytes, dataset.data_address
        return
    for inner in [getattr(dataset, 'dataset', None), *getattr(dataset, 'datasets', [])]:
        if inner is not None:
            read_in_this_process(inner)
