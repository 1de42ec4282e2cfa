"""Fixtures of the OpenMMLab tests: generated datasets; the helpers import by name."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests import with --import-mode=importlib

from openmmlab_helpers import write_coco, write_loveda  # noqa: E402


@pytest.fixture(scope='session')
def coco_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated COCO-format detection dataset (boxes and masks)."""
    return write_coco(tmp_path_factory.mktemp('coco'))


@pytest.fixture(scope='session')
def loveda_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated LoveDA-layout segmentation dataset."""
    return write_loveda(tmp_path_factory.mktemp('loveda'))
