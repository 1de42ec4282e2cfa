"""mmlightning.ops.install(): mmcv._ext from torch kernels, a compiled one winning."""
from __future__ import annotations

import ast
import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType

import pytest

import mmlightning.ops.registration as install_module
from mmlightning.ops import EXT_NAMES, build_extension, implemented_kernels, install
from mmlightning.ops.extension import is_mmlightning_extension


@pytest.fixture(autouse=True)
def _restore_mmcv_ext(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's mmcv._ext leaves with it: other tests must see the machinery as it was."""
    monkeypatch.setitem(sys.modules, 'mmcv._ext', sys.modules.get('mmcv._ext'))
    if sys.modules['mmcv._ext'] is None:
        monkeypatch.delitem(sys.modules, 'mmcv._ext')


def test_the_extension_has_a_spec_find_spec_reads() -> None:
    module = build_extension()
    assert module.__spec__.name == 'mmcv._ext' and module.__spec__.origin == 'mmlightning.ops'


def _names_loaded_by(mmcv_root: Path) -> set[str]:
    """Every name the wrappers of an mmcv source tree pass to ``ext_loader.load_ext``."""
    names: set[str] = set()
    for path in mmcv_root.rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            func = getattr(node, 'func', None)
            if isinstance(node, ast.Call) and getattr(func, 'attr', None) == 'load_ext':
                names |= {element.value for element in node.args[1].elts}
    return names


def test_every_name_exists_and_placeholders_raise():
    module = build_extension()
    assert len(EXT_NAMES) == 112
    assert all(callable(getattr(module, name)) for name in EXT_NAMES)
    missing = [name for name in EXT_NAMES if name not in implemented_kernels()]
    with pytest.raises(NotImplementedError, match=rf'mmcv\._ext\.{missing[0]} .*compiled mmcv'):
        getattr(module, missing[0])()


def test_names_match_the_installed_mmcv_wrappers():
    pytest.importorskip('mmcv')
    root = Path(importlib.util.find_spec('mmcv').origin).parent
    assert _names_loaded_by(root) == set(EXT_NAMES)


def test_install_makes_mmcv_ops_import(caplog):
    pytest.importorskip('mmcv')
    with caplog.at_level(logging.INFO, logger='mmlightning'):
        module = install()
        assert install() is module
    import mmcv.ops

    assert sys.modules['mmcv._ext'] is module
    if is_mmlightning_extension(module):
        assert mmcv.ops.get_compiler_version().startswith('none (mmlightning.ops')
        assert len([r for r in caplog.records if 'mmcv._ext' in r.getMessage()]) <= 1


def test_placeholder_names_the_calling_mmcv_classes():
    kernel = build_extension().knn_forward
    wrapper = (
        'class KNNFunction:\n'
        '    @staticmethod\n'
        '    def forward(ctx):\n'
        '        return kernel(ctx)\n'
        'class KNN:\n'
        '    def __call__(self):\n'
        '        return KNNFunction.forward(None)\n')
    namespace = {'__name__': 'mmcv.ops.knn', 'kernel': kernel}
    exec(compile(wrapper, 'mmcv/ops/knn.py', 'exec'), namespace)
    with pytest.raises(NotImplementedError) as info:
        namespace['KNN']()()
    assert str(info.value).startswith(
        'mmcv._ext.knn_forward (called by mmcv.ops.knn.KNNFunction, mmcv.ops.knn.KNN) ')
    assert 'a compiled mmcv provides it' in str(info.value)


def test_placeholder_called_through_mmcv_ops():
    pytest.importorskip('mmcv')
    if not is_mmlightning_extension(install()):
        pytest.skip('a compiled mmcv._ext is in use')
    import torch
    from mmcv.ops import chamfer_distance

    with pytest.raises(NotImplementedError,
                       match=r'chamfer_distance_forward \(called by mmcv\.ops\.chamfer_distance'
                             r'\.ChamferDistanceFunction\)'):
        chamfer_distance(torch.zeros(1, 4, 2), torch.zeros(1, 3, 2))


def test_a_compiled_extension_wins(monkeypatch):
    pytest.importorskip('mmcv')
    compiled = ModuleType('mmcv._ext')
    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    monkeypatch.setattr(install_module, 'find_spec', lambda name: object())
    monkeypatch.setattr(install_module, 'import_module', lambda name: compiled)
    assert install() is compiled


def test_an_unloadable_compiled_extension_falls_back(monkeypatch, caplog):
    pytest.importorskip('mmcv')
    import mmcv

    def broken(name):
        raise ImportError('undefined symbol: _ZN3c10')

    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    monkeypatch.setattr(mmcv, '_ext', None, raising=False)
    monkeypatch.setattr(install_module, 'find_spec', lambda name: object())
    monkeypatch.setattr(install_module, 'import_module', broken)
    with caplog.at_level(logging.INFO, logger='mmlightning'):
        module = install()
    assert is_mmlightning_extension(module)
    assert 'does not load (undefined symbol' in caplog.text


def test_install_without_mmcv_says_what_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, 'mmcv._ext', raising=False)
    monkeypatch.setitem(sys.modules, 'mmcv', None)
    with pytest.raises(ModuleNotFoundError, match='pip install mmcv-lite'):
        install()
