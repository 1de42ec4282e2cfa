"""Tests for the local file-system helpers."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mmlightning.utils import (
    check_file_exist,
    find_vcs_root,
    fopen,
    is_abs,
    is_filepath,
    mkdir_or_exist,
    scandir,
    symlink,
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """a.txt, b.PY, .hidden.txt, sub/c.txt, sub/deeper/d.Txt, .git_like/e.txt, empty/."""
    for rel in ('a.txt', 'b.PY', '.hidden.txt', 'sub/c.txt', 'sub/deeper/d.Txt',
                '.git_like/e.txt'):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    (tmp_path / 'empty').mkdir()
    return tmp_path


def test_is_filepath():
    assert is_filepath('a/b')
    assert is_filepath(Path('a'))
    assert not is_filepath(1)
    assert not is_filepath(b'a')


def test_fopen_str_and_path(tmp_path):
    target = tmp_path / 'f.txt'
    with fopen(str(target), 'w') as f:
        f.write('x')
    with fopen(target) as f:
        assert f.read() == 'x'
    with pytest.raises(ValueError, match='should be a string or a Path, got int'):
        fopen(1)


def test_check_file_exist(tmp_path):
    target = tmp_path / 'f.txt'
    target.write_text('')
    check_file_exist(target)
    with pytest.raises(FileNotFoundError, match='file ".*missing.txt" does not exist'):
        check_file_exist(tmp_path / 'missing.txt')
    with pytest.raises(FileNotFoundError, match='^no such: d$'):
        check_file_exist('d', msg_tmpl='no such: {}')
    with pytest.raises(FileNotFoundError):  # a directory is not a file
        check_file_exist(tmp_path)


def test_mkdir_or_exist(tmp_path, monkeypatch):
    mkdir_or_exist('')  # no-op, no error
    target = tmp_path / 'a' / 'b'
    mkdir_or_exist(target)
    mkdir_or_exist(str(target))  # already exists
    assert target.is_dir()
    monkeypatch.setenv('HOME', str(tmp_path))
    mkdir_or_exist('~/from_home')
    assert (tmp_path / 'from_home').is_dir()


def test_symlink_overwrites(tmp_path):
    first, second = tmp_path / 'first', tmp_path / 'second'
    first.write_text('1')
    second.write_text('2')
    link = tmp_path / 'link'
    symlink(first, link)
    assert link.read_text() == '1'
    symlink(second, link)
    assert link.read_text() == '2'
    with pytest.raises(FileExistsError):
        symlink(first, link, overwrite=False)


def test_scandir_flat_and_recursive(tree):
    assert sorted(scandir(tree)) == ['a.txt', 'b.PY']
    assert sorted(scandir(str(tree), '.txt')) == ['a.txt']
    assert sorted(scandir(tree, recursive=True)) == sorted([
        'a.txt', 'b.PY',
        os.path.join('sub', 'c.txt'),
        os.path.join('sub', 'deeper', 'd.Txt'),
        os.path.join('.git_like', 'e.txt'),  # hidden dirs are entered, as in MMEngine
    ])
    assert sorted(scandir(tree, ('.txt', '.PY'), recursive=True)) == sorted([
        'a.txt', 'b.PY', os.path.join('sub', 'c.txt'), os.path.join('.git_like', 'e.txt')])


def test_scandir_case_insensitive(tree):
    assert sorted(scandir(tree, '.py')) == []
    assert sorted(scandir(tree, '.py', case_sensitive=False)) == ['b.PY']
    assert sorted(scandir(tree, ('.TXT', ), recursive=True, case_sensitive=False)) == sorted([
        'a.txt', os.path.join('sub', 'c.txt'), os.path.join('sub', 'deeper', 'd.Txt'),
        os.path.join('.git_like', 'e.txt')])


def test_scandir_errors(tree):
    with pytest.raises(TypeError, match='"dir_path" must be a string or Path object, got 1'):
        scandir(1)
    with pytest.raises(TypeError, match='"suffix" must be a string or tuple.*got \\[.*txt'):
        scandir(tree, ['.txt'])
    gen = scandir(tree / 'missing')  # lazy: the error comes on iteration
    with pytest.raises(FileNotFoundError):
        next(gen)


def test_find_vcs_root(tmp_path):
    (tmp_path / 'repo' / '.git').mkdir(parents=True)
    nested = tmp_path / 'repo' / 'src' / 'pkg'
    nested.mkdir(parents=True)
    file_in_repo = nested / 'mod.py'
    file_in_repo.write_text('')
    root = str(tmp_path / 'repo')
    assert find_vcs_root(nested) == root
    assert find_vcs_root(str(file_in_repo)) == root
    assert find_vcs_root(root) == root
    assert find_vcs_root(nested, markers=('src', )) == root
    assert find_vcs_root(nested, markers=('no_such_marker_xyz', )) is None


def test_is_abs():
    assert is_abs('/a/b')
    assert is_abs('http://host/x') and is_abs('https://host/x') and is_abs('s3://bucket/x')
    assert not is_abs('a/b')
    assert not is_abs('ftp://host/x')
