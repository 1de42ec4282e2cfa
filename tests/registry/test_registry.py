"""Registry: registering, lookups through scopes and parents, lazy locations."""
from __future__ import annotations

import sys
import types

import pytest

from mmlightning.registry import DefaultScope, Registry


def test_register_as_decorator_call_and_aliases() -> None:
    models = Registry('model', scope='test')

    @models.register_module()
    class ResNet:
        pass

    @models.register_module(name=['Alias1', 'Alias2'])
    def builder() -> int:
        return 1

    models.register_module(module=dict, name='Dict')
    assert models.get('ResNet') is ResNet
    assert models.get('Alias1') is builder and models.get('Alias2') is builder
    assert models.get('Dict') is dict
    assert len(models) == 4 and 'ResNet' in models and 'Nope' not in models
    assert set(models.module_dict) == {'ResNet', 'Alias1', 'Alias2', 'Dict'}
    assert 'Registry of model' in repr(models) and 'ResNet' in repr(models)


def test_duplicate_name_needs_force() -> None:
    models = Registry('model', scope='test')
    models.register_module(module=int, name='X')
    with pytest.raises(KeyError, match="X is already registered in model at builtins"):
        models.register_module(module=float, name='X')
    models.register_module(module=float, name='X', force=True)
    assert models.get('X') is float


def test_register_arguments_checked() -> None:
    models = Registry('model', scope='test')
    with pytest.raises(TypeError, match='force must be a boolean'):
        models.register_module(force=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='name must be None, an instance of str'):
        models.register_module(name=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='module must be Callable'):
        models.register_module(module=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='takes a str key'):
        models.get(3)  # type: ignore[arg-type]


def test_scope_is_inferred_from_calling_package(tmp_path, monkeypatch) -> None:
    package = tmp_path / 'mml_scope_pkg'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'registry.py').write_text(
        'from mmlightning.registry import Registry\nTHINGS = Registry("thing")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    from mml_scope_pkg.registry import THINGS

    assert THINGS.scope == 'mml_scope_pkg'
    module = types.ModuleType('no_file_module')
    exec('from mmlightning.registry import Registry\nR = Registry("thing")', module.__dict__)
    assert module.R.scope == 'mmlightning'  # no module to infer from: the default scope


def test_get_walks_parents_and_scoped_keys() -> None:
    root = Registry('model', scope='root_s')
    child = Registry('model', parent=root, scope='child_s')
    sibling = Registry('model', parent=root, scope='sibling_s')
    root.register_module(module=int, name='Base')
    child.register_module(module=float, name='Own')
    sibling.register_module(module=str, name='Other')
    assert child.get('Base') is int          # parent
    assert child.get('Own') is float
    assert child.get('child_s.Own') is float  # own scope only
    assert child.get('child_s.Base') is None
    assert child.get('sibling_s.Other') is str  # sibling through the root
    assert root.get('child_s.Own') is float      # child from the parent
    assert child.get('Missing') is None
    assert root.children == {'child_s': child, 'sibling_s': sibling}
    assert child.root is root and root.root is root
    with pytest.raises(KeyError, match="scope 'child_s' already has a child"):
        Registry('model', parent=root, scope='child_s')


def test_get_dotted_import_path() -> None:
    models = Registry('model', scope='test')
    assert models.get('collections.OrderedDict').__name__ == 'OrderedDict'
    assert models.get('os.path.join') is __import__('os').path.join
    assert models.get('no_such_module_xyz.Thing') is None


def test_locations_really_import(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / 'mml_loc_mod.py').write_text(
        'from tests_registry_holder import REG\nREG.register_module(module=int, name="FromLoc")\n')
    holder = types.ModuleType('tests_registry_holder')
    holder.REG = Registry('thing', scope='loc', locations=['mml_loc_mod'])
    monkeypatch.setitem(sys.modules, 'tests_registry_holder', holder)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert 'FromLoc' not in holder.REG._module_dict
    assert holder.REG.get('FromLoc') is int


def test_split_scope_key() -> None:
    assert Registry.split_scope_key('mmdet.ResNet') == ('mmdet', 'ResNet')
    assert Registry.split_scope_key('ResNet') == (None, 'ResNet')
    assert Registry.split_scope_key('a.b.C') == ('a', 'b.C')


def test_switch_scope_and_registry() -> None:
    root = Registry('model', scope='sw_root')
    child = Registry('model', parent=root, scope='sw_child')
    with root.switch_scope_and_registry('sw_child') as registry:
        assert registry is child
        assert DefaultScope.get_current_instance().scope_name == 'sw_child'
    assert DefaultScope.get_current_instance() is None
    with root.switch_scope_and_registry(None) as registry:
        assert registry is root
    with root.switch_scope_and_registry('nope_scope') as registry:  # MMEngine: warn, keep
        assert registry is root
        assert DefaultScope.get_current_instance().scope_name == 'nope_scope'


def test_default_scope_picks_child_registry() -> None:
    root = Registry('model', scope='ds_root')
    child = Registry('model', parent=root, scope='ds_child')
    DefaultScope.get_instance('exp', scope_name='ds_child')
    with root.switch_scope_and_registry(None) as registry:
        assert registry is child
    DefaultScope.get_instance('exp2', scope_name='unrelated_scope')
    with root.switch_scope_and_registry(None) as registry:
        assert registry is root  # a default scope outside this tree: keep the registry


def test_traverse_and_count() -> None:
    from mmlightning.registry import count_registered_modules, traverse_registry_tree

    root = Registry('model', scope='tr_root')
    child = Registry('model', parent=root, scope='tr_child')
    child.register_module(module=int, name='I')
    tree = traverse_registry_tree(child, verbose=False)  # from any node: the whole tree
    assert [(t['scope'], t['num_modules']) for t in tree] == [('tr_root', 0), ('tr_child', 1)]
    assert tree[1][''] == ['I']  # int's module 'builtins' has no folder
    counts = count_registered_modules(verbose=False)['registries']
    assert 'OPTIMIZERS' in counts and counts['OPTIMIZERS'][0]['num_modules'] > 10
