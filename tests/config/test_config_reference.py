"""Reference: every test config loads to the same ``to_dict()`` (types included) as MMEngine's."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mmlightning.config import Config

mmengine_config = pytest.importorskip('mmengine.config')

DATA = Path(__file__).parent / 'data'
# Files that exercise behaviour MMEngine lacks or gets wrong; tested elsewhere.
ONLY_OURS = {'interpolation.yaml', 'base_var_index.py', 'env_required.py'}
CONFIGS = sorted(p for p in DATA.rglob('*') if p.suffix in {'.py', '.yaml', '.yml', '.json'}
                 and p.name not in ONLY_OURS and 'errors' not in p.parts)


def assert_same(ours: Any, theirs: Any, path: str = '') -> None:
    """Equal values of exactly the same types, recursively."""
    assert type(ours) is type(theirs), f'{path}: {type(ours)} != {type(theirs)}'
    if isinstance(ours, dict):
        assert list(ours) == list(theirs) or set(ours) == set(theirs), path
        for key in theirs:
            assert_same(ours[key], theirs[key], f'{path}.{key}')
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs), path
        for index, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f'{path}.{index}')
    else:
        assert ours == theirs, f'{path}: {ours!r} != {theirs!r}'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(DATA)))
def test_to_dict_matches_mmengine(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('MML_TEST_NUM_CLASSES', '7')
    ours = Config.fromfile(path).to_dict()
    theirs = mmengine_config.Config.fromfile(str(path)).to_dict()
    assert_same(ours, theirs)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(p.relative_to(DATA)))
def test_our_dump_reads_back_in_mmengine(path: Path, tmp_path: Path) -> None:
    dumped = tmp_path / 'dumped.py'
    Config.fromfile(path).dump(dumped)
    assert_same(mmengine_config.Config.fromfile(str(dumped)).to_dict(),
                Config.fromfile(path).to_dict())
