"""Tiny synthetic datasets for the dataset tests, offered as fixtures."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mmlightning.dataset import BaseDataset


def _write_annotations(path: Path, num_samples: int = 6) -> Path:
    """Write an OpenMMLab 2.0 json annotation file with ``num_samples`` samples."""
    data_list = [dict(img_path=f'img_{i}.jpg', label=i % 3, cat_ids=[i % 3])
                 for i in range(num_samples)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(metainfo=dict(classes=['a', 'b', 'c'], task='cls'),
                                    data_list=data_list)))
    return path


class ToyDataset(BaseDataset):
    """A BaseDataset whose categories come from ``cat_ids`` in the annotations."""

    def get_cat_ids(self, idx: int) -> list[int]:
        return self.get_data_info(idx)['cat_ids']


class ListDataset(ToyDataset):
    """A dataset built from an in-memory list (overrides load_data_list only)."""

    def __init__(self, items: list[dict], **kwargs) -> None:
        self.items = items
        kwargs.setdefault('data_prefix', {})
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        return [dict(item) for item in self.items]


@pytest.fixture
def write_annotations() -> Callable[..., Path]:
    return _write_annotations


@pytest.fixture
def ann_file(tmp_path: Path) -> Path:
    return _write_annotations(tmp_path / 'data' / 'ann.json')


@pytest.fixture
def toy_dataset() -> type[ToyDataset]:
    return ToyDataset


@pytest.fixture
def list_dataset() -> type[ListDataset]:
    return ListDataset
