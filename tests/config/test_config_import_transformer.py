"""Tests for ImportTransformer and _gather_abs_import_lazyobj (MMEngine's config.utils)."""
from __future__ import annotations

import ast
import json
import os
import os.path as osp

import pytest

from mmlightning.config import Config, ConfigParsingError, LazyAttr, LazyObject
from mmlightning.config.utils import ImportTransformer, _gather_abs_import_lazyobj

_CONFIG = '''\
import os
import json.decoder
from os.path import join as pjoin

import numpy
import numpy.linalg
import numpy.fft as fft
from mmlightning.config import Config
from mmlightning.fileio import LocalBackend as local
from ._base_.runtime import default_scope as scope
from ._base_.schedule import *

optimizer = dict(type=local)
'''


def _run(code, base_dict=None, filename='cfg.py'):
    namespace = {'LazyObject': LazyObject}
    transformer = ImportTransformer(namespace, base_dict, filename)
    tree = transformer.visit(ast.parse(code))
    tree, gathered = _gather_abs_import_lazyobj(tree, filename)
    exec(compile(ast.fix_missing_locations(tree), filename, 'exec'), namespace)
    return namespace, transformer, gathered


def test_imports_become_lazy_objects_and_bases_are_copied():
    base = {'._base_.runtime': {'default_scope': 'toy'},
            '._base_.schedule': {'max_epochs': 3, 'val_cfg': {}}}
    namespace, transformer, gathered = _run(_CONFIG, base)
    assert gathered == {'numpy'}
    lazy_numpy = namespace['numpy']
    assert isinstance(lazy_numpy, LazyObject) and isinstance(lazy_numpy.linalg, LazyAttr)
    import numpy
    import numpy.fft
    assert lazy_numpy.build() is numpy and lazy_numpy.linalg.build() is numpy.linalg
    assert namespace['fft'].build() is numpy.fft
    assert namespace['fft'].location == 'cfg.py, line 7'
    from mmlightning.fileio import LocalBackend
    assert namespace['local'].build() is LocalBackend
    assert namespace['optimizer']['type'] == LazyObject('mmlightning.fileio', 'LocalBackend')
    # standard library and the config package are imported for real
    assert namespace['os'] is os and namespace['json'] is json
    assert namespace['pjoin'] is osp.join and namespace['Config'] is Config
    # base variables: one by name (renamed), all with *
    assert namespace['scope'] == 'toy'
    assert namespace['max_epochs'] == 3 and namespace['val_cfg'] == {}
    assert {'os', 'json', 'pjoin', 'numpy', 'fft', 'Config', 'local'} <= transformer.imported_obj
    assert 'scope' not in transformer.imported_obj


def test_star_import_of_a_package_is_refused():
    with pytest.raises(ConfigParsingError, match=r'Illegal syntax in config! `from xxx import \*`'):
        _run('from numpy import *')


def test_missing_base_variable_names_the_base():
    with pytest.raises(ImportError, match="cannot import 'lr' from base config '._base_.x'"):
        _run('from ._base_.x import lr', {'._base_.x': {'max_epochs': 1}})


def test_relative_import_of_a_module_that_is_no_base_is_lazy():
    namespace, _, _ = _run('from .models import Net')
    assert namespace['Net'] == LazyObject('.models', 'Net')


def test_lazy_object_checks_its_arguments_and_names_the_failed_import():
    with pytest.raises(TypeError, match='imported must be a str or None'):
        LazyObject('numpy', ['linalg'])
    with pytest.raises(ImportError, match='Failed to import numpy.no_such_thing in cfg.py, line 1'):
        LazyObject('numpy', location='cfg.py, line 1').no_such_thing.build()
