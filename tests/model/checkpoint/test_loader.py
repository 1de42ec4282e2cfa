"""CheckpointLoader schemes: registration, local, http(s) with a cache, fsspec URLs."""
from __future__ import annotations

import functools
import http.server
import threading
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
import torch

from mmlightning.model.checkpoint import CheckpointLoader
from mmlightning.model.checkpoint.download import cached_path_of, get_mmlightning_home


@pytest.fixture
def schemes() -> Iterator[dict]:
    """Restore the registered schemes after a test registers its own."""
    saved = dict(CheckpointLoader._schemes)
    yield CheckpointLoader._schemes
    CheckpointLoader._schemes = saved


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 serving ``tmp_path/served``, stopped after the test."""
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(_CountingHandler, directory=str(served))
    _CountingHandler.requests = []
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs=dict(poll_interval=0.05),
                              daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{httpd.server_address[1]}', _CountingHandler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_register_scheme_function_and_decorator(schemes: dict, tmp_path: Path) -> None:
    calls = []

    def load_from_mine(filename, map_location):
        calls.append((filename, map_location))
        return {'w': torch.ones(1)}

    CheckpointLoader.register_scheme('mine://', load_from_mine)

    @CheckpointLoader.register_scheme(prefixes=['mine://special/'])
    def load_from_special(filename, map_location):
        return {'special': filename}

    assert CheckpointLoader.load_checkpoint('mine://a.pth', 'cpu', logger='silent') == \
        {'w': torch.ones(1)}
    assert calls == [('mine://a.pth', 'cpu')]
    # the longest matching prefix wins
    assert CheckpointLoader.load_checkpoint('mine://special/b', logger='silent') == \
        {'special': 'mine://special/b'}
    with pytest.raises(TypeError, match="'mine' for 'mine://a.pth' has no weights_only"):
        CheckpointLoader.load_checkpoint('mine://a.pth', logger='silent', weights_only=False)


def test_register_scheme_errors(schemes: dict) -> None:
    with pytest.raises(KeyError, match='http:// is already registered .*force=True'):
        CheckpointLoader.register_scheme('http://', lambda f, m: None)
    with pytest.raises(TypeError, match='prefixes must be a str or a list/tuple of str'):
        CheckpointLoader.register_scheme({'x://'}, lambda f, m: None)

    def load_from_override(filename, map_location):
        return 'override'

    CheckpointLoader.register_scheme('http://', load_from_override, force=True)
    assert CheckpointLoader.load_checkpoint('http://x/y.pth', logger='silent') == 'override'


def test_loader_choice() -> None:
    choose = CheckpointLoader._get_checkpoint_loader
    assert choose('/a/b.pth').__name__ == 'load_from_local'
    assert choose('https://host/b.pth').__name__ == 'load_from_http'
    assert choose('memory://b.pth').__name__ == 'load_from_fsspec'
    assert choose('s3://bucket/b.pth').__name__ == 'load_from_fsspec'


def test_fsspec_url(capsys) -> None:
    weights = {'w': torch.arange(4.0)}
    with fsspec.open('memory://ckpts/w.pth', 'wb') as f:
        torch.save(weights, f)
    try:
        loaded = CheckpointLoader.load_checkpoint('memory://ckpts/w.pth', 'cpu')
        assert torch.equal(loaded['w'], weights['w'])
        assert 'Loads checkpoint by fsspec backend from path: memory://ckpts/w.pth' in \
            capsys.readouterr().out
        with pytest.raises(FileNotFoundError, match='memory://ckpts/none.pth'):
            CheckpointLoader.load_checkpoint('memory://ckpts/none.pth', logger='silent')
    finally:
        fsspec.filesystem('memory').rm('/ckpts', recursive=True)


def test_http_downloads_once_into_the_cache(server, tmp_path: Path, monkeypatch) -> None:
    url, requests = server
    torch.save({'state_dict': {'w': torch.full((2,), 7.0)}}, tmp_path / 'served' / 'net-1.pth')
    monkeypatch.setenv('MMLIGHTNING_HOME', str(tmp_path / 'home'))
    for _ in range(2):
        loaded = CheckpointLoader.load_checkpoint(f'{url}/net-1.pth', 'cpu', logger='silent')
        assert torch.equal(loaded['state_dict']['w'], torch.full((2,), 7.0))
    assert requests == ['/net-1.pth']
    cached = tmp_path / 'home' / 'checkpoints' / 'net-1.pth'
    assert cached_path_of(f'{url}/net-1.pth') == str(cached) and cached.is_file()
    assert [p.name for p in cached.parent.iterdir()] == ['net-1.pth']


def test_http_errors(server, tmp_path: Path) -> None:
    url, _ = server
    from mmlightning.model.checkpoint import load_from_http

    with pytest.raises(urllib.error.HTTPError, match='404'):
        load_from_http(f'{url}/missing.pth', model_dir=str(tmp_path / 'cache'))
    assert not any((tmp_path / 'cache').iterdir())  # no partial file left
    with pytest.raises(ValueError, match='its path has no file name'):
        cached_path_of(f'{url}/', str(tmp_path / 'cache'))


def test_http_hash_check(server, tmp_path: Path) -> None:
    url, _ = server
    torch.save({'w': torch.zeros(1)}, tmp_path / 'served' / 'net-deadbeef.pth')
    from mmlightning.model.checkpoint.download import load_url

    with pytest.raises(RuntimeError, match='invalid hash value'):
        load_url(f'{url}/net-deadbeef.pth', model_dir=str(tmp_path / 'cache'), check_hash=True)


def test_home_from_xdg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv('MMLIGHTNING_HOME', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert get_mmlightning_home() == str(tmp_path / 'xdg' / 'mmlightning')
    assert (tmp_path / 'xdg' / 'mmlightning').is_dir()
