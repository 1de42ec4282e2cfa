"""mmlightning.fileio.io on the local disk and on memory:// (the ``root`` fixture)."""
from __future__ import annotations

import importlib.util
import os
import os.path as osp
import shutil
from pathlib import Path

import fsspec
import pytest

from mmlightning import fileio


def _tree(root: str) -> None:
    """a.txt, b.py, .hidden, sub/c.txt, sub/deep/d.py, .hdir/e.txt."""
    for rel in ['a.txt', 'b.py', '.hidden', 'sub/c.txt', 'sub/deep/d.py', '.hdir/e.txt']:
        fileio.put_text(rel, fileio.join_path(root, *rel.split('/')))


def _listed(root: str, **kwargs) -> set[str]:
    return {p.replace(os.sep, '/') for p in fileio.list_dir_or_file(root, **kwargs)}


def test_put_get_round_trip_creates_parents(root: str) -> None:
    path = fileio.join_path(root, 'x', 'y', 'data.bin')
    fileio.put(b'\x00\x01bytes', path)
    assert fileio.get(path) == b'\x00\x01bytes'
    fileio.put(b'new', path)
    assert fileio.get(path) == b'new'


def test_put_text_get_text_with_encoding(root: str) -> None:
    path = fileio.join_path(root, 'text.txt')
    fileio.put_text('héllo', path)
    assert fileio.get_text(path) == 'héllo'
    assert fileio.get(path) == 'héllo'.encode()
    fileio.put_text('héllo', path, encoding='latin-1')
    assert fileio.get(path) == 'héllo'.encode('latin-1')
    assert fileio.get_text(path, encoding='latin-1') == 'héllo'


def test_get_missing_file_names_the_path(root: str) -> None:
    path = fileio.join_path(root, 'nope.txt')
    with pytest.raises(FileNotFoundError, match=r"No such file: '.*nope\.txt'"):
        fileio.get(path)
    with pytest.raises(FileNotFoundError, match='nope'):
        fileio.get_text(path)


def test_get_directory_says_so(root: str) -> None:
    _tree(root)
    with pytest.raises(IsADirectoryError, match=r"sub' is a directory.*list_dir_or_file"):
        fileio.get(fileio.join_path(root, 'sub'))


def test_exists_isfile_isdir(root: str) -> None:
    _tree(root)
    file, folder = fileio.join_path(root, 'a.txt'), fileio.join_path(root, 'sub')
    missing = fileio.join_path(root, 'missing')
    assert (fileio.exists(file), fileio.isfile(file), fileio.isdir(file)) == (True, True, False)
    assert (fileio.exists(folder), fileio.isfile(folder), fileio.isdir(folder)) == (True, False,
                                                                                   True)
    assert (fileio.exists(missing), fileio.isfile(missing), fileio.isdir(missing)) == (False,
                                                                                      False,
                                                                                      False)


def test_paths_accept_pathlib(tmp_path: Path) -> None:
    fileio.put(b'x', tmp_path / 'p' / 'f.bin')
    assert fileio.get(tmp_path / 'p' / 'f.bin') == b'x'
    assert fileio.isdir(tmp_path / 'p') and fileio.exists(tmp_path / 'p' / 'f.bin')


def test_file_url_is_local(tmp_path: Path) -> None:
    url = f'file://{tmp_path}/u.txt'
    fileio.put_text('via url', url)
    assert (tmp_path / 'u.txt').read_text() == 'via url'
    assert fileio.get_text(url) == 'via url'
    assert fileio.join_path(f'file://{tmp_path}/', 'a', 'b') == f'file://{tmp_path}/a/b'
    with fileio.get_local_path(url) as local:
        assert local == f'{tmp_path}/u.txt'


def test_join_path() -> None:
    assert fileio.join_path('/a/b', 'c', 'd.txt') == osp.join('/a/b', 'c', 'd.txt')
    assert fileio.join_path(Path('rel'), 'x') == osp.join('rel', 'x')
    assert fileio.join_path('memory://bucket/dir/', '/sub', 'f.txt') == 'memory://bucket/dir/sub/f.txt'
    assert fileio.join_path('s3://bucket', 'k') == 's3://bucket/k'


def test_list_dir_or_file_flat(root: str) -> None:
    _tree(root)
    assert _listed(root) == {'a.txt', 'b.py', 'sub', '.hdir'}
    assert _listed(root, list_dir=False) == {'a.txt', 'b.py'}
    assert _listed(root, list_file=False) == {'sub', '.hdir'}
    assert _listed(root, list_dir=False, list_file=False) == set()
    assert _listed(root, list_dir=False, suffix='.py') == {'b.py'}
    assert _listed(root, list_dir=False, suffix=('.py', '.txt')) == {'a.txt', 'b.py'}


def test_list_dir_or_file_recursive(root: str) -> None:
    _tree(root)
    assert _listed(root, recursive=True) == {
        'a.txt', 'b.py', 'sub', 'sub/c.txt', 'sub/deep', 'sub/deep/d.py', '.hdir', '.hdir/e.txt'}
    assert _listed(root, list_file=False, recursive=True) == {'sub', 'sub/deep', '.hdir'}
    assert _listed(root, list_dir=False, suffix='.py', recursive=True) == {'b.py',
                                                                           'sub/deep/d.py'}
    sub = fileio.join_path(root, 'sub')
    assert _listed(sub, recursive=True) == {'c.txt', 'deep', 'deep/d.py'}


def test_list_dir_or_file_uses_os_sep_locally(tmp_path: Path) -> None:
    _tree(str(tmp_path))
    listed = set(fileio.list_dir_or_file(tmp_path, list_dir=False, suffix='.py', recursive=True))
    assert listed == {'b.py', osp.join('sub', 'deep', 'd.py')}


def test_list_dir_or_file_follows_symlinks(tmp_path: Path) -> None:
    _tree(str(tmp_path / 'real'))
    (tmp_path / 'view').mkdir()
    os.symlink(tmp_path / 'real' / 'sub', tmp_path / 'view' / 'linked_dir')
    os.symlink(tmp_path / 'real' / 'a.txt', tmp_path / 'view' / 'linked.txt')
    os.symlink(tmp_path / 'gone', tmp_path / 'view' / 'broken')
    assert _listed(str(tmp_path / 'view'), recursive=True) == {
        'linked_dir', 'linked_dir/c.txt', 'linked_dir/deep', 'linked_dir/deep/d.py',
        'linked.txt'}


def test_list_dir_or_file_bad_arguments(root: str) -> None:
    with pytest.raises(TypeError, match='`suffix` should be None when `list_dir` is True'):
        list(fileio.list_dir_or_file(root, suffix='.py'))
    with pytest.raises(TypeError, match=r"tuple of strings, got \['.py'\]"):
        list(fileio.list_dir_or_file(root, list_dir=False, suffix=['.py']))
    with pytest.raises(FileNotFoundError, match="No such directory: '.*absent'"):
        list(fileio.list_dir_or_file(fileio.join_path(root, 'absent')))


def test_get_local_path(root: str) -> None:
    path = fileio.join_path(root, 'sub', 'w.json')
    fileio.put(b'{"a": 1}', path)
    with fileio.get_local_path(path) as local:
        assert osp.isfile(local) and local.endswith('.json')
        with open(local, 'rb') as f:
            assert f.read() == b'{"a": 1}'
    if root.startswith('memory://'):
        assert not osp.exists(local)  # the downloaded copy is removed
    else:
        assert local == path and osp.exists(local)  # a local path is used in place


def test_get_local_path_of_a_local_path_is_its_str(tmp_path: Path) -> None:
    (tmp_path / 'f').write_bytes(b'1')
    with fileio.get_local_path(tmp_path / 'f') as local:
        assert local == str(tmp_path / 'f')  # MMEngine yields str(filepath)


def test_get_local_path_missing_remote_file() -> None:
    with pytest.raises(FileNotFoundError, match="No such file: 'memory://nowhere/ghost.bin'"):
        with fileio.get_local_path('memory://nowhere/ghost.bin'):
            pass


def test_get_local_path_yields_missing_local_path_unchecked(tmp_path: Path) -> None:
    with fileio.get_local_path(str(tmp_path / 'ghost.bin')) as local:
        assert local == str(tmp_path / 'ghost.bin')


def test_copyfile_to_file_and_into_directory(root: str) -> None:
    _tree(root)
    src = fileio.join_path(root, 'a.txt')
    dst = fileio.join_path(root, 'copy.txt')
    assert fileio.copyfile(src, dst) == dst
    assert fileio.get_text(dst) == 'a.txt'
    fileio.put_text('old', dst)
    fileio.copyfile(src, dst)
    assert fileio.get_text(dst) == 'a.txt'
    into = fileio.copyfile(src, fileio.join_path(root, 'sub'))
    assert into == fileio.join_path(root, 'sub', 'a.txt')
    assert fileio.get_text(into) == 'a.txt'


def test_copyfile_errors(root: str) -> None:
    _tree(root)
    with pytest.raises(FileNotFoundError, match='nothing.txt'):
        fileio.copyfile(fileio.join_path(root, 'nothing.txt'), fileio.join_path(root, 'b'))
    src = fileio.join_path(root, 'a.txt')
    with pytest.raises(shutil.SameFileError, match='a.txt'):
        fileio.copyfile(src, src)


def test_copytree(root: str) -> None:
    _tree(root)
    src, dst = fileio.join_path(root, 'sub'), fileio.join_path(root, 'sub2')
    assert fileio.copytree(src, dst) == dst
    assert _listed(dst, recursive=True) == {'c.txt', 'deep', 'deep/d.py'}
    assert fileio.get_text(fileio.join_path(dst, 'deep', 'd.py')) == 'sub/deep/d.py'
    assert fileio.isfile(fileio.join_path(src, 'c.txt'))  # the source stays


def test_copytree_errors(root: str) -> None:
    _tree(root)
    with pytest.raises(FileExistsError, match=r"'.*\.hdir' already exists"):
        fileio.copytree(fileio.join_path(root, 'sub'), fileio.join_path(root, '.hdir'))
    with pytest.raises(FileNotFoundError, match="No such directory: '.*nodir'"):
        fileio.copytree(fileio.join_path(root, 'nodir'), fileio.join_path(root, 'x'))


def test_remove(root: str) -> None:
    _tree(root)
    path = fileio.join_path(root, 'a.txt')
    fileio.remove(path)
    assert not fileio.exists(path)
    with pytest.raises(FileNotFoundError, match='a.txt'):
        fileio.remove(path)
    with pytest.raises(IsADirectoryError, match='is a directory; use rmtree'):
        fileio.remove(fileio.join_path(root, 'sub'))


def test_rmtree(root: str) -> None:
    _tree(root)
    sub = fileio.join_path(root, 'sub')
    fileio.rmtree(sub)
    assert not fileio.exists(sub)
    assert _listed(root, recursive=True) == {'a.txt', 'b.py', '.hdir', '.hdir/e.txt'}
    with pytest.raises(FileNotFoundError, match="No such directory: '.*sub'"):
        fileio.rmtree(sub)
    with pytest.raises(NotADirectoryError, match='is a file; use remove'):
        fileio.rmtree(fileio.join_path(root, 'a.txt'))


def test_local_put_is_atomic_and_cleans_up(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / 'ckpt.bin'
    fileio.put(b'old', path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(OSError, match='disk full'):
        fileio.put(b'new content', path)
    assert path.read_bytes() == b'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ckpt.bin']  # no temp file left


def test_local_put_writes_through_replace_with_umask_permissions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, 'replace', spy)
    fileio.put_text('x', tmp_path / 'f.txt')
    (src, dst), = replaced
    assert osp.dirname(src) == str(tmp_path) and dst == str(tmp_path / 'f.txt')
    (tmp_path / 'plain.txt').write_text('x')
    assert os.stat(dst).st_mode == os.stat(tmp_path / 'plain.txt').st_mode


def test_backend_args_storage_options_reach_fsspec() -> None:
    memory = fsspec.filesystem('memory')
    args = {'storage_options': {'path': '/fileio-dirfs', 'target_protocol': 'memory'}}
    try:
        fileio.put_text('through dirfs', 'dir://inner/f.txt', backend_args=args)
        assert memory.cat_file('/fileio-dirfs/inner/f.txt') == b'through dirfs'
        assert fileio.get_text('dir://inner/f.txt', backend_args=args) == 'through dirfs'
    finally:
        memory.rm('/fileio-dirfs', recursive=True)


def test_backend_args_name_the_backend(tmp_path: Path) -> None:
    fileio.put(b'1', tmp_path / 'f', backend_args={'backend': 'local'})
    assert fileio.get(tmp_path / 'f', backend_args={'backend': 'local'}) == b'1'
    assert fileio.get(tmp_path / 'f', backend_args={'backend': 'fsspec'}) == b'1'
    with pytest.raises(ValueError, match="Backend 'ceph' is not registered"):
        fileio.get(tmp_path / 'f', backend_args={'backend': 'ceph'})
    if importlib.util.find_spec('petrel_client') is None:
        with pytest.raises(ImportError, match='install petrel_client'):
            fileio.get(tmp_path / 'f', backend_args={'backend': 'petrel'})


def test_backend_args_must_be_dicts(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="backend_args must be a dict or None, got str: 'local'"):
        fileio.exists(tmp_path, backend_args='local')
    with pytest.raises(TypeError, match=r"storage_options'\] must be a dict.*got int: 3"):
        fileio.exists(tmp_path, backend_args={'storage_options': 3})


def test_copy_across_filesystems(tmp_path: Path) -> None:
    memory = fsspec.filesystem('memory')
    _tree(str(tmp_path / 'src'))
    try:
        dst = fileio.copyfile(tmp_path / 'src' / 'a.txt', 'memory://fileio-cross/f.txt')
        assert dst == 'memory://fileio-cross/f.txt' and memory.cat_file(dst) == b'a.txt'
        assert fileio.copyfile(dst, tmp_path) == str(tmp_path / 'f.txt')
        assert (tmp_path / 'f.txt').read_text() == 'a.txt'
        assert fileio.copytree(tmp_path / 'src', 'memory://fileio-cross/tree') == (
            'memory://fileio-cross/tree')
        assert _listed('memory://fileio-cross/tree', recursive=True) == {
            'a.txt', 'b.py', '.hidden', 'sub', 'sub/c.txt', 'sub/deep', 'sub/deep/d.py', '.hdir',
            '.hdir/e.txt'} - {'.hidden'}
        fileio.copytree('memory://fileio-cross/tree', tmp_path / 'back')
        assert (tmp_path / 'back' / '.hidden').read_text() == '.hidden'
        assert (tmp_path / 'back' / 'sub' / 'deep' / 'd.py').read_text() == 'sub/deep/d.py'
    finally:
        memory.rm('/fileio-cross', recursive=True)


def test_replace_moves_over_an_existing_file(root: str, tmp_path: Path) -> None:
    src, dst = fileio.join_path(root, 'new.tmp'), fileio.join_path(root, 'ckpt')
    fileio.put(b'old', dst)
    fileio.put(b'new', src)
    fileio.replace(src, dst)
    assert fileio.get(dst) == b'new' and not fileio.exists(src)
    with pytest.raises(FileNotFoundError, match='new.tmp'):
        fileio.replace(src, dst)
    local = tmp_path / 'local.bin'
    local.write_bytes(b'x')
    if '://' in root:
        with pytest.raises(ValueError, match='different filesystems'):
            fileio.replace(str(local), dst)
