"""Tests for digit_version, get_git_hash and the installed-package helpers."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import pytest

import mmlightning
from mmlightning.utils import (
    call_command,
    digit_version,
    get_git_hash,
    get_installed_path,
    install_package,
    is_installed,
    package2module,
)
from mmlightning.utils import package_utils as package_utils_module


@pytest.mark.parametrize(('version', 'expected'), [
    ('1.2', (1, 2, 0, 0, 0, 0)),
    ('1.2.3.4.5', (1, 2, 3, 4, 0, 0)),
    ('2.13.0+cpu', (2, 13, 0, 0, 0, 0)),
    ('1.0a1', (1, 0, 0, 0, -3, 1)),
    ('1.0b2', (1, 0, 0, 0, -2, 2)),
    ('1.0rc3', (1, 0, 0, 0, -1, 3)),
    ('1.0c3', (1, 0, 0, 0, -1, 3)),  # 'c' normalizes to 'rc'
    ('1.0a', (1, 0, 0, 0, -3, 0)),
    ('1.0.dev5', (1, 0, 0, 0, -4, 0)),
    ('1.0rc1.dev2', (1, 0, 0, 0, -1, 1)),
    ('1.0.post2', (1, 0, 0, 0, 1, 2)),
    ('1.0.post1.dev1', (1, 0, 0, 0, -4, 0)),  # a dev release counts as pre-release
    ('v1.10.0', (1, 10, 0, 0, 0, 0)),
])
def test_digit_version(version, expected):
    assert digit_version(version) == expected


def test_digit_version_length_and_order():
    assert digit_version('1.2.3', length=2) == (1, 2, 0, 0)
    assert digit_version('1.2', length=3) == (1, 2, 0, 0, 0)
    ordered = ['1.0.dev1', '1.0a1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.0.post1', '1.0.1']
    keys = [digit_version(v) for v in ordered]
    assert keys == sorted(keys)


@pytest.mark.parametrize(('version', 'match'), [
    ('not a version', "failed to parse version 'not a version'.*PEP 440"),
    ('', "failed to parse version ''"),
    ('1.5.0parrots', 'parrots'),
])
def test_digit_version_errors(version, match):
    with pytest.raises(ValueError, match=match):
        digit_version(version)


def test_get_git_hash(tmp_path, monkeypatch):
    repo = tmp_path / 'repo'
    repo.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@t', GIT_COMMITTER_NAME='t',
               GIT_COMMITTER_EMAIL='t@t')
    try:
        subprocess.run(['git', 'init', '-q'], cwd=repo, check=True, env=env)
        subprocess.run(['git', 'commit', '-q', '--allow-empty', '-m', 'x'], cwd=repo, check=True,
                       env=env)
        expected = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=repo, check=True,
                                  capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('git is not usable here')
    monkeypatch.chdir(repo)
    assert get_git_hash() == expected
    assert get_git_hash(digits=7) == expected[:7]
    monkeypatch.chdir(tmp_path)  # not a repository
    assert get_git_hash(fallback='none') == 'none'


def test_get_git_hash_without_git(monkeypatch):
    monkeypatch.setenv('PATH', '')
    assert get_git_hash(fallback='nogit') == 'nogit'
    with pytest.raises(TypeError, match="digits must be None or an integer, got '7'"):
        get_git_hash(digits='7')


def test_is_installed():
    assert is_installed('packaging')  # a distribution
    assert is_installed('mmlightning')
    assert is_installed('json')  # a stdlib module, found by find_spec
    assert not is_installed('not_a_package_xyz')


def test_get_installed_path():
    import packaging

    assert get_installed_path('packaging') == os.path.dirname(packaging.__file__)
    assert get_installed_path('json') == os.path.dirname(__import__('json').__file__)
    assert get_installed_path('mmlightning') == os.path.dirname(mmlightning.__file__)
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        get_installed_path('not_a_package_xyz')


def test_get_installed_path_namespace_package(tmp_path, monkeypatch):
    (tmp_path / 'ns_pkg_xyz').mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match='ns_pkg_xyz is a namespace package'):
        get_installed_path('ns_pkg_xyz')
    assert not is_installed('ns_pkg_xyz')  # a namespace package has no origin


def test_package2module():
    assert package2module('packaging') == 'packaging'
    assert package2module('mmlightning') == 'mmlightning'
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        package2module('not_a_package_xyz')


def test_package2module_without_top_level(monkeypatch):

    class _Dist:
        metadata = {'Name': 'fancy-dist'}

        def read_text(self, name):
            return None

    monkeypatch.setattr(package_utils_module.metadata, 'distribution', lambda name: _Dist())
    monkeypatch.setattr(package_utils_module.metadata, 'packages_distributions',
                        lambda: {'fancy': ['fancy-dist'], '_fancy_c': ['fancy-dist'],
                                 'other': ['other']})
    assert package2module('fancy-dist') == 'fancy'
    monkeypatch.setattr(package_utils_module.metadata, 'packages_distributions', lambda: {})
    with pytest.raises(ValueError, match='can not infer the module name of fancy-dist'):
        package2module('fancy-dist')


def test_call_command(tmp_path):
    target = tmp_path / 'made'
    call_command([sys.executable, '-c', f'open({str(target)!r}, "w").close()'])
    assert target.exists()
    with pytest.raises(subprocess.CalledProcessError):
        call_command([sys.executable, '-c', 'raise SystemExit(3)'])


def test_install_package_only_when_missing(monkeypatch):
    calls = []
    monkeypatch.setattr(package_utils_module, 'call_command', calls.append)
    install_package('packaging')
    assert calls == []
    install_package('not_a_package_xyz')
    assert calls == [[sys.executable, '-m', 'pip', 'install', 'not_a_package_xyz']]
