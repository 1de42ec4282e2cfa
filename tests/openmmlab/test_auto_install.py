"""mmcv's kernels are installed by themselves when a config uses OpenMMLab packages.

The Runner, ``MMLightningModule.from_cfg`` and the CLI call
``prepare_openmmlab(cfg)``; it installs mmlightning's torch kernels as
``mmcv._ext`` only for a config that uses an OpenMMLab package and only when
no ``mmcv._ext`` is importable, with one log line.
"""
from __future__ import annotations

import logging
import sys
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

import pytest
import torch

from mmlightning.ops.extension import is_mmlightning_extension
from mmlightning.registry.openmmlab import openmmlab_packages, prepare_openmmlab

LINE = 'using mmlightning.ops torch kernels'


@pytest.fixture
def no_ext(monkeypatch: pytest.MonkeyPatch) -> None:
    """mmcv-lite without a kernel module yet; the test's own one leaves with it."""
    pytest.importorskip('mmcv')
    current = sys.modules.get('mmcv._ext')
    if current is None and find_spec('mmcv._ext') is not None:
        pytest.skip('a compiled mmcv._ext is installed')
    if current is not None and not is_mmlightning_extension(current):
        pytest.skip('a compiled mmcv._ext is loaded')
    import mmcv

    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    if hasattr(mmcv, '_ext'):
        monkeypatch.delattr(mmcv, '_ext')


@pytest.fixture
def install_calls(monkeypatch: pytest.MonkeyPatch, no_ext: None) -> list[int]:
    """Counts the calls of ``mmlightning.ops.install`` (which then installs nothing)."""
    import mmlightning.ops

    calls: list[int] = []
    module = ModuleType('mmcv._ext')
    monkeypatch.setattr(mmlightning.ops, 'install', lambda: calls.append(1) or module)
    return calls


@pytest.mark.parametrize(('cfg', 'expected'), [
    ({'default_scope': 'mmdet'}, ['mmdet']),
    ({'custom_imports': {'imports': ['mmpretrain.models', 'my_project.x']}}, ['mmpretrain']),
    ({'custom_imports': {'imports': 'mmseg.models'}}, ['mmseg']),
    ({'model': {'type': 'mmdet.RetinaNet', 'head': [{'_scope_': 'mmseg'}]}}, ['mmdet', 'mmseg']),
    ({'default_scope': 'mmlightning', 'model': {'type': 'my_project.Net'}}, []),
    ({}, []),
])
def test_packages_a_config_uses(cfg: dict, expected: list[str]) -> None:
    assert openmmlab_packages(cfg) == expected


def test_installs_once_with_one_line(no_ext: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger='mmlightning'):
        module = prepare_openmmlab({'default_scope': 'mmdet'})
        again = prepare_openmmlab({'default_scope': 'mmseg'})
    assert is_mmlightning_extension(module) and again is module
    assert sys.modules['mmcv._ext'] is module
    assert sum(LINE in r.getMessage() for r in caplog.records) == 1


def test_plain_configs_install_nothing(no_ext: None) -> None:
    assert prepare_openmmlab({'default_scope': 'mmlightning', 'model': {'type': 'Net'}}) is None
    assert 'mmcv._ext' not in sys.modules


def test_the_runner_installs(install_calls: list[int], tmp_path: Path) -> None:
    from mmlightning.config import Config
    from mmlightning.runner import Runner

    Runner(model=torch.nn.Linear(2, 2), work_dir=str(tmp_path),
           cfg=Config({'custom_imports': {'imports': ['mmcv']}}))
    assert install_calls == [1]
    Runner(model=torch.nn.Linear(2, 2), work_dir=str(tmp_path / 'plain'))
    assert install_calls == [1]


def test_the_runner_shares_runtime_info_with_mmengine(no_ext: None, tmp_path: Path) -> None:
    mmengine_logging = pytest.importorskip('mmengine.logging')
    from mmlightning.config import Config
    from mmlightning.runner import Runner

    runner = Runner(model=torch.nn.Linear(2, 2), work_dir=str(tmp_path), default_scope='mmdet',
                    cfg=Config({'default_scope': 'mmdet'}))
    runner.message_hub.update_info('epoch', 3)  # as RuntimeInfoHook does
    assert mmengine_logging.MessageHub.get_current_instance().get_info('epoch') == 3


def test_from_cfg_installs_and_applies_the_default_scope(install_calls: list[int]) -> None:
    from mmlightning.lightning import MMLightningModule
    from mmlightning.registry import DefaultScope

    MMLightningModule.from_cfg({'model': torch.nn.Linear(2, 2), 'default_scope': 'mmcv'})
    assert install_calls == [1]
    assert DefaultScope.get_current_instance().scope_name == 'mmcv'


def test_the_cli_installs_before_custom_imports(install_calls: list[int], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import mmlightning.cli as cli

    order: list[str] = []
    original = cli.import_custom_modules
    monkeypatch.setattr(cli, 'import_custom_modules',
                        lambda *args: order.append(f'import after {len(install_calls)} installs')
                        or original(*args))
    config = tmp_path / 'cfg.py'
    config.write_text("custom_imports = dict(imports=['mmcv'])\nmodel = dict(type='Net')\n")
    assert cli.main(['print-config', str(config)]) == 0
    assert install_calls == [1] and order == ['import after 1 installs']
