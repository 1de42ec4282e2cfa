"""Test-wide fixtures: global, per-run state is reset around every test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mmlightning.registry import DefaultScope


@pytest.fixture(autouse=True)
def reset_default_scope() -> Iterator[None]:
    """DefaultScope is a process-wide registry of instances; start each test without one."""
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()
