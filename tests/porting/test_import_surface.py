"""Every (module, name) that real OpenMMLab code imports from ``mmengine`` resolves in mmlightning.

``data/mmengine_imports.json`` was measured with ``tools/collect_mmengine_imports.py`` over the
wheels of mmpretrain 1.2.0, mmdet 3.3.0, mmsegmentation 1.2.2, mmpose 1.3.2, mmyolo 0.6.0,
mmagic 1.2.0, mmocr 1.0.1 and mmaction2 1.2.0 (every ``.py`` file, configs included, parsed
with ``ast``).
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_TOOL = Path(__file__).parents[2] / 'tools' / 'collect_mmengine_imports.py'
_spec = importlib.util.spec_from_file_location('collect_mmengine_imports', _TOOL)
collect_mmengine_imports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(collect_mmengine_imports)

RECORDS = json.loads((Path(__file__).parent / 'data' / 'mmengine_imports.json').read_text())
# Pairs not ported yet, one 'module:name' a line: their tests are strict xfails, so a pair that
# starts to resolve fails the suite until it is taken off the list.
NOT_PORTED = {line.strip() for line in (Path(__file__).parent / 'data' /
                                        'mmengine_imports_not_ported.txt').read_text().splitlines()
              if line.strip() and not line.startswith('#')}


def _pair_param(record: dict) -> object:
    pair = f"{record['module']}:{record['name']}"
    marks = [pytest.mark.xfail(strict=True, reason='not ported yet')] if pair in NOT_PORTED else []
    return pytest.param(record['module'], record['name'], marks=marks,
                        id=f"{record['module']}:{record['name'] or '<module>'}")


def test_the_list_is_the_measured_one() -> None:
    assert len(RECORDS['sources']) == 8
    assert len(RECORDS['imports']) == 255
    assert sum(record['uses'] for record in RECORDS['imports']) == 3550


def test_not_ported_list_names_measured_pairs() -> None:
    measured = {f"{r['module']}:{r['name']}" for r in RECORDS['imports']}
    assert NOT_PORTED <= measured


@pytest.mark.parametrize('module, name', [_pair_param(r) for r in RECORDS['imports']])
def test_import_resolves(module: str, name: str) -> None:
    assert collect_mmengine_imports.resolves(module, name) is None


def test_collector_reads_import_forms() -> None:
    text = ('import mmengine.dist as dist\nfrom mmengine import Config, DictAction\n'
            'from mmengine.model import BaseModule\nfrom .x import y\nimport torch\n')
    assert list(collect_mmengine_imports.mmengine_imports(text)) == [
        ('mmengine.dist', ''), ('mmengine', 'Config'), ('mmengine', 'DictAction'),
        ('mmengine.model', 'BaseModule')]


def test_resolves_reports_what_is_missing() -> None:
    assert 'has no NoSuchName' in collect_mmengine_imports.resolves('mmengine.config', 'NoSuchName')
    assert 'ModuleNotFoundError' in collect_mmengine_imports.resolves('mmengine.nowhere', 'x')
