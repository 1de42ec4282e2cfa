"""Fixtures of the OpenMMLab tests: generated datasets; the helpers import by name."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

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


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Tiny models train fastest on one thread, and on a busy machine by far (no spinning)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _forget_package_visualizers() -> Iterator[None]:
    """Each run gets its own ``DetLocalVisualizer``/``SegLocalVisualizer``.

    The configs name theirs ``'visualizer'``; as in MMEngine, a second run in the
    same process would get the first one's instance, writing to the first work_dir.
    The test-wide reset clears MMEngine's ``Visualizer`` but not its subclasses.
    """
    yield
    if 'mmengine.visualization' not in sys.modules:
        return
    from mmengine.visualization import Visualizer

    pending = [Visualizer]
    while pending:
        cls = pending.pop()
        cls._instance_dict.clear()
        pending.extend(cls.__subclasses__())
