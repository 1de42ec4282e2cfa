"""mmlightning.fileio against mmengine.fileio on local files (skipped without mmengine)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mmlightning import fileio

mmengine_fileio = pytest.importorskip('mmengine.fileio')

OBJ = {'a': 1, 'size': (2, 3), 'names': ['x', 'y'], 'nested': {'f': 0.25, 'none': None}}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Files, hidden files, hidden and nested directories and a symlinked directory."""
    for rel in ['a.txt', 'b.py', '.hidden', 'sub/c.txt', 'sub/deep/d.py', 'sub/.h.py',
                '.hdir/e.txt', 'empty/']:
        path = tmp_path / 'root' / rel
        if rel.endswith('/'):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rel)
    os.symlink(tmp_path / 'root' / 'sub', tmp_path / 'root' / 'link')
    return tmp_path / 'root'


@pytest.mark.parametrize('kwargs', [
    {},
    {'recursive': True},
    {'list_dir': False},
    {'list_file': False, 'recursive': True},
    {'list_dir': False, 'suffix': '.py', 'recursive': True},
    {'list_dir': False, 'suffix': ('.py', '.txt')},
])
def test_list_dir_or_file_matches(tree: Path, kwargs: dict) -> None:
    ours = sorted(fileio.list_dir_or_file(tree, **kwargs))
    theirs = sorted(mmengine_fileio.list_dir_or_file(tree, **kwargs))
    assert ours == theirs and ours


@pytest.mark.parametrize('parts', [('/a/b', 'c', 'd.txt'), ('rel', 'x'), ('/a/', '/abs'),
                                   ('a',)])
def test_join_path_matches(parts: tuple[str, ...]) -> None:
    assert fileio.join_path(*parts) == mmengine_fileio.join_path(*parts)


@pytest.mark.parametrize('suffix', ['json', 'yaml', 'yml', 'pkl', 'pickle'])
def test_dump_load_interoperate(tmp_path: Path, suffix: str) -> None:
    obj = {**OBJ, 'size': [2, 3]} if suffix == 'json' else OBJ  # json has no tuples
    ours, theirs = tmp_path / f'ours.{suffix}', tmp_path / f'theirs.{suffix}'
    fileio.dump(obj, ours)
    mmengine_fileio.dump(obj, str(theirs))
    assert ours.read_bytes() == theirs.read_bytes()
    assert mmengine_fileio.load(str(ours)) == obj
    assert fileio.load(theirs) == obj


@pytest.mark.parametrize('file_format', ['json', 'yaml', 'pickle'])
def test_dump_to_str_matches(file_format: str) -> None:
    obj = {'arr': np.arange(2), 'tuple': (1, 2), 'set': {3}} if file_format == 'json' else OBJ
    assert fileio.dump(obj, file_format=file_format) == mmengine_fileio.dump(
        obj, file_format=file_format)


def test_copy_and_remove_match(tree: Path, tmp_path: Path) -> None:
    (tmp_path / 'out').mkdir()
    assert fileio.copyfile(tree / 'a.txt', tmp_path / 'out') == mmengine_fileio.copyfile(
        tree / 'a.txt', tmp_path / 'out')
    ours = fileio.copytree(str(tree / 'sub'), str(tmp_path / 'ours'))
    theirs = mmengine_fileio.copytree(str(tree / 'sub'), str(tmp_path / 'theirs'))
    assert ours == str(tmp_path / 'ours') and theirs == str(tmp_path / 'theirs')
    assert sorted(fileio.list_dir_or_file(ours, recursive=True)) == sorted(
        mmengine_fileio.list_dir_or_file(theirs, recursive=True))
