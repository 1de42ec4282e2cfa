"""load / dump and the format handlers."""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from mmlightning import fileio
from mmlightning.fileio import BaseFileHandler, register_handler

OBJ = {'a': 1, 'b': [1.5, 'x', None], 'c': {'nested': True}}


@pytest.mark.parametrize('suffix', ['json', 'yaml', 'yml', 'pickle', 'pkl'])
def test_round_trip_by_suffix(root: str, suffix: str) -> None:
    path = fileio.join_path(root, 'deep', f'obj.{suffix}')
    assert fileio.dump(OBJ, path) is None
    assert fileio.load(path) == OBJ


@pytest.mark.parametrize('file_format', ['json', 'yaml', 'pickle'])
def test_file_format_overrides_suffix(root: str, file_format: str) -> None:
    path = fileio.join_path(root, 'obj.data')
    fileio.dump(OBJ, path, file_format=file_format)
    assert fileio.load(path, file_format=file_format) == OBJ


def test_written_bytes_are_the_format(tmp_path: Path) -> None:
    fileio.dump(OBJ, tmp_path / 'o.json')
    assert json.loads((tmp_path / 'o.json').read_text()) == OBJ
    fileio.dump(OBJ, tmp_path / 'o.yaml')
    assert yaml.safe_load((tmp_path / 'o.yaml').read_text()) == OBJ


def test_dump_to_str() -> None:
    assert fileio.dump(OBJ, file_format='json') == json.dumps(OBJ)
    assert fileio.dump(OBJ, file_format='json', indent=2) == json.dumps(OBJ, indent=2)
    assert yaml.safe_load(fileio.dump(OBJ, file_format='yaml')) == OBJ
    pickled = fileio.dump(OBJ, file_format='pkl')
    assert isinstance(pickled, bytes) and pickled[:2] == b'\x80\x02'  # protocol 2
    assert fileio.load(io.BytesIO(pickled), file_format='pickle') == OBJ


def test_file_objects() -> None:
    text = io.StringIO()
    fileio.dump(OBJ, text, file_format='json')
    text.seek(0)
    assert fileio.load(text, file_format='json') == OBJ
    binary = io.BytesIO()
    fileio.dump(OBJ, binary, file_format='pickle')
    binary.seek(0)
    assert fileio.load(binary, file_format='pickle') == OBJ


def test_kwargs_reach_the_handler(tmp_path: Path) -> None:
    fileio.dump({'b': 1, 'a': 2}, tmp_path / 'o.json', sort_keys=True)
    assert (tmp_path / 'o.json').read_text() == '{"a": 2, "b": 1}'
    loaded = fileio.load(tmp_path / 'o.json', object_pairs_hook=lambda pairs: pairs)
    assert loaded == [('a', 2), ('b', 1)]


def test_json_converts_numpy_sets_and_ranges() -> None:
    data = {'arr': np.arange(3), 'f': np.float32(0.5), 's': {7}, 'r': range(2)}
    assert json.loads(fileio.dump(data, file_format='json')) == {
        'arr': [0, 1, 2], 'f': 0.5, 's': [7], 'r': [0, 1]}
    with pytest.raises(TypeError, match="<class 'object'> is unsupported for json dump"):
        fileio.dump({'x': object()}, file_format='json')


def test_yaml_loads_tuples_but_refuses_python_objects(tmp_path: Path) -> None:
    text = fileio.dump({'size': (1, 2)}, file_format='yaml')
    assert '!!python/tuple' in text
    assert fileio.load(io.StringIO(text), file_format='yaml') == {'size': (1, 2)}
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil.yaml'
    evil.write_text(f"x: !!python/object/apply:os.mkdir ['{marker}']\n")
    with pytest.raises(yaml.constructor.ConstructorError, match='python/object/apply:os.mkdir'):
        fileio.load(evil)
    assert not marker.exists()


def test_unknown_format_names_suffix_and_supported(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"Unsupported format: 'toml' \(suffix of '.*cfg\.toml'\)"
                       r'\. Supported formats: json, pickle, pkl, yaml, yml'):
        fileio.load(str(tmp_path / 'cfg.toml'))
    with pytest.raises(TypeError, match="Unsupported format: 'txt'.*Supported formats: json"):
        fileio.dump(OBJ, tmp_path / 'o.txt')
    with pytest.raises(TypeError, match="Unsupported format: 'xml'.*pass file_format="):
        fileio.dump(OBJ, file_format='xml')


def test_load_missing_file_names_the_path(root: str) -> None:
    path = fileio.join_path(root, 'absent.json')
    with pytest.raises(FileNotFoundError, match=r"No such file: '.*absent\.json'"):
        fileio.load(path)


def test_relative_missing_path_mentions_working_directory(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"'absent\.yaml' \(relative to the working "
                                                f"directory '{tmp_path}'"):
        fileio.load('absent.yaml')


def test_dump_without_file_or_format() -> None:
    with pytest.raises(ValueError, match='file_format must be specified since file is None'):
        fileio.dump(OBJ)


def test_file_must_be_path_or_file_object() -> None:
    with pytest.raises(TypeError, match='"file" must be a filepath str or a file-object, got int'):
        fileio.load(3, file_format='json')
    with pytest.raises(TypeError, match='"file" must be a filename str or a file-object, got int'):
        fileio.dump(OBJ, 3, file_format='json')


def test_file_client_args_is_deprecated_alias(tmp_path: Path) -> None:
    path = tmp_path / 'o.json'
    with pytest.warns(DeprecationWarning, match='"file_client_args" will be deprecated'):
        fileio.dump(OBJ, path, file_client_args={'backend': 'disk'})
    with pytest.warns(DeprecationWarning, match='Please use "backend_args"'):
        assert fileio.load(path, file_client_args={'backend': 'disk'}) == OBJ
    with pytest.raises(ValueError, match='cannot be set at the same time'):
        with pytest.warns(DeprecationWarning):
            fileio.load(path, file_client_args={}, backend_args={})


def test_local_dump_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / 'state.pkl'
    fileio.dump({'epoch': 1}, path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError('interrupted')

    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(OSError, match='interrupted'):
        fileio.dump({'epoch': 2}, path)
    monkeypatch.undo()
    assert fileio.load(path) == {'epoch': 1}
    assert [p.name for p in tmp_path.iterdir()] == ['state.pkl']


@pytest.mark.usefixtures('restore_file_handlers')
def test_register_handler(root: str) -> None:

    @register_handler(['lines', 'lst'], sep='\n')
    class LinesHandler(BaseFileHandler):

        def __init__(self, sep: str) -> None:
            self.sep = sep

        def load_from_fileobj(self, file, **kwargs):
            return file.read().split(self.sep)

        def dump_to_fileobj(self, obj, file, **kwargs):
            file.write(self.dump_to_str(obj))

        def dump_to_str(self, obj, **kwargs):
            return self.sep.join(obj)

    path = fileio.join_path(root, 'names.lines')
    fileio.dump(['a', 'b'], path)
    assert fileio.get_text(path) == 'a\nb'
    assert fileio.load(path) == ['a', 'b']
    assert fileio.dump(['x', 'y'], file_format='lst') == 'x\ny'


@pytest.mark.usefixtures('restore_file_handlers')
def test_register_handler_errors() -> None:
    with pytest.raises(TypeError, match='must be a subclass instance of BaseFileHandler, got '
                                        'NotAHandler'):

        @register_handler('x')
        class NotAHandler:
            pass

    with pytest.raises(TypeError, match=r"file_formats must be a str or a list of str.*got 3"):
        register_handler(3)(fileio.JsonHandler)


def test_handler_path_helpers(tmp_path: Path) -> None:
    fileio.PickleHandler().dump_to_path([1, 2], str(tmp_path / 'a.pkl'))
    assert fileio.PickleHandler().load_from_path(str(tmp_path / 'a.pkl')) == [1, 2]
    fileio.YamlHandler().dump_to_path({'k': 'v'}, str(tmp_path / 'a.yaml'))
    assert fileio.YamlHandler().load_from_path(str(tmp_path / 'a.yaml')) == {'k': 'v'}
