"""The top level re-exports what ``mmengine/__init__.py`` does, lazily."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import mmlightning

SUBPACKAGES = ('config', 'fileio', 'logging', 'registry', 'utils')


def test_export_table_equals_the_subpackages_all() -> None:
    expected: dict[str, str] = {}
    for subpackage in SUBPACKAGES:  # MMEngine's star-import order: later ones win
        for name in importlib.import_module(f'mmlightning.{subpackage}').__all__:
            expected[name] = subpackage
    assert mmlightning._NAME_TO_SUBPACKAGE == expected


def test_every_exported_name_is_the_subpackage_object() -> None:
    for name, subpackage in mmlightning._NAME_TO_SUBPACKAGE.items():
        module = importlib.import_module(f'mmlightning.{subpackage}')
        assert getattr(mmlightning, name) is getattr(module, name), name


def test_import_loads_no_subpackage_and_no_torch() -> None:
    code = ('import sys, mmlightning; '
            'print(sorted(m for m in sys.modules if m.startswith("mmlightning.")), '
            '"torch" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['mmlightning.version'] False"


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        mmlightning.NoSuchThing  # noqa: B018


def test_star_import_and_version_info() -> None:
    namespace: dict = {}
    exec('from mmlightning import *', namespace)
    assert namespace['Config'] is mmlightning.Config
    assert namespace['version_info'][:2] == (0, 1)


@pytest.mark.parametrize('version, info', [
    ('0.10.7', (0, 10, 7)), ('1.0.0rc1', (1, 0, 0, 'rc1')), ('0.1.0.dev0', (0, 1, 0))])
def test_parse_version_info(version: str, info: tuple) -> None:
    from mmlightning.version import parse_version_info
    assert parse_version_info(version) == info


def test_version_info_matches_mmengine_parsing() -> None:
    mmengine_version = pytest.importorskip('mmengine.version')
    from mmlightning.version import parse_version_info
    for version in ('0.10.7', '1.0.0rc1', '0.1.0.dev0', '2.1.0rc12'):
        assert parse_version_info(version) == mmengine_version.parse_version_info(version)
