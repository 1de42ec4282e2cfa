"""Tests for the prerequisite and deprecation decorators."""
from __future__ import annotations

import logging
import sys
import warnings

import pytest

from mmlightning.utils import (
    check_prerequisites,
    deprecated_api_warning,
    deprecated_function,
    requires_executable,
    requires_package,
)


def test_check_prerequisites_calls_through_when_met():
    checked = []

    @check_prerequisites(['a', 'b'], checker=lambda item: checked.append(item) or True)
    def func(x, y=1):
        """Doc."""
        return x + y

    assert func(1, y=2) == 3
    assert checked == ['a', 'b']
    assert func.__name__ == 'func' and func.__doc__ == 'Doc.'


def test_check_prerequisites_reports_missing():

    @check_prerequisites('need_me', checker=lambda item: False)
    def func():
        return 1

    with pytest.raises(RuntimeError, match='Prerequisites "need_me" are required in method "func"'):
        func()

    @check_prerequisites(['x', 'y', 'z'], checker=lambda item: item == 'y', msg_tmpl='{} / {}')
    def other():
        return 1

    with pytest.raises(RuntimeError, match='x, z / other'):
        other()


def test_requires_package():

    @requires_package('json')
    def ok():
        return 'ok'

    @requires_package(['json', 'not_a_package_xyz'])
    def missing():
        return 'never'

    assert ok() == 'ok'
    with pytest.raises(RuntimeError, match='"not_a_package_xyz" are required in method "missing"'):
        missing()


def test_requires_executable():
    python = sys.executable

    @requires_executable(python)
    def ok():
        return 'ok'

    @requires_executable('not_an_executable_xyz')
    def missing():
        return 'never'

    assert ok() == 'ok'
    with pytest.raises(RuntimeError, match='not_an_executable_xyz'):
        missing()


def _new_api(a, new_b=0, c=0):
    return a, new_b, c


def test_deprecated_api_warning_renames_kwargs():
    func = deprecated_api_warning({'old_b': 'new_b'}, cls_name='Cls')(_new_api)
    with pytest.warns(DeprecationWarning, match='"old_b" is deprecated in `Cls._new_api`, '
                      'please use "new_b" instead'):
        assert func(1, old_b=2, c=3) == (1, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert func(1, new_b=5) == (1, 5, 0)


def test_deprecated_api_warning_positional_name_warns():

    def api(old, other=0):
        return old, other

    func = deprecated_api_warning({'old': 'new'})(api)
    with pytest.warns(DeprecationWarning, match='"old" is deprecated in `api`'):
        assert func(1, 2) == (1, 2)


def test_deprecated_api_warning_both_names_raise():
    func = deprecated_api_warning({'old_b': 'new_b'})(_new_api)
    with pytest.raises(ValueError, match='both the deprecated argument `old_b` and its '
                       'replacement `new_b`'):
        func(1, old_b=2, new_b=3)


def test_deprecated_function_logs_and_documents(caplog):

    @deprecated_function('0.2.0', '0.5.0', 'use `new_func` instead')
    def old_func(x):
        """Summary line.

        Args:
            x: A value.
        """
        return x * 2

    with caplog.at_level(logging.WARNING, logger='mmlightning'):
        assert old_func(2) == 4
    record, = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"'{__name__}.old_func' is deprecated in version 0.2.0 and will be removed in "
        'version 0.5.0. Please use `new_func` instead.')
    doc = old_func.__doc__
    assert doc.startswith('.. deprecated:: 0.2.0\n    Deprecated and will be removed in version '
                          '0.5.0.\n    Please use `new_func` instead.\n')
    assert '\n\n    Summary line.\n\n    Args:\n        x: A value.\n' in doc


def test_deprecated_function_without_docstring():

    @deprecated_function('1', '2', 'stop')
    def bare():
        return None

    assert bare.__doc__ == ('.. deprecated:: 1\n    Deprecated and will be removed in version 2.\n'
                            '    Please stop.\n\n\n')
