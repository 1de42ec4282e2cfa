"""Fixtures for the fileio tests: a fresh root folder on the local disk and on ``memory://``."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from mmlightning.fileio import handlers


@pytest.fixture(params=['local', 'memory'])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty folder: ``tmp_path`` as a str, or a unique ``memory://`` folder removed after."""
    if request.param == 'local':
        yield str(tmp_path)
        return
    name = f'/fileio-test-{uuid.uuid4().hex}'
    memory = fsspec.filesystem('memory')
    memory.makedirs(name)
    yield f'memory://{name.lstrip("/")}'
    if memory.exists(name):
        memory.rm(name, recursive=True)


@pytest.fixture
def restore_file_handlers() -> Iterator[None]:
    """Undo ``register_handler`` calls made by a test."""
    saved = dict(handlers.file_handlers)
    yield
    handlers.file_handlers.clear()
    handlers.file_handlers.update(saved)
