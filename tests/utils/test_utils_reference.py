"""Reference tests: mmlightning.utils against mmengine.utils 0.10.7 on the same inputs."""
from __future__ import annotations

import io
import os
import time
import warnings
from collections import OrderedDict, namedtuple
from pathlib import Path

import pytest

import mmlightning.utils as ml

mmengine = pytest.importorskip('mmengine')
me = pytest.importorskip('mmengine.utils')

VERSIONS = [
    '1', '1.2', '1.2.3', '1.2.3.4', '1.2.3.4.5', '2.13.0+cpu', '2.1.0+cu121', 'v1.10.0',
    '1.0a1', '1.0b2', '1.0rc3', '1.0c3', '1.0a', '1.0alpha2', '1.0pre1', '1.0preview1',
    '1.0.dev5', '1.0.dev', '1.0rc1.dev2', '1.0.post2', '1.0-1', '1.0.post1.dev1', '1.0rc1.post1',
    '1!2.0', '0.10.7', '2024.10.1',
]


@pytest.mark.parametrize('version', VERSIONS)
@pytest.mark.parametrize('length', [2, 3, 4, 6])
def test_digit_version(version, length):
    assert ml.digit_version(version, length) == me.digit_version(version, length)


@pytest.mark.parametrize('version', ['', 'abc', '1.0.x', 'parrots'])
def test_digit_version_rejects_what_mmengine_rejects(version):
    with pytest.raises(Exception):  # MMEngine raises InvalidVersion/AssertionError
        me.digit_version(version)
    with pytest.raises(ValueError):
        ml.digit_version(version)


SEQS = [[1, 2], (1, 2), [1, 'a'], ('a', 'b'), 'abc', [], (), {1, 2}, 1, None, [1.0, 2],
        [[1], [2]], range(3), b'ab']
TYPES = [int, str, (int, float), list, object]
SEQ_TYPES = [None, list, tuple, str, range]


@pytest.mark.parametrize('seq', SEQS, ids=repr)
def test_type_checks(seq):
    for expected_type in TYPES:
        assert ml.is_list_of(seq, expected_type) == me.is_list_of(seq, expected_type)
        assert ml.is_tuple_of(seq, expected_type) == me.is_tuple_of(seq, expected_type)
        for seq_type in SEQ_TYPES:
            assert (ml.is_seq_of(seq, expected_type, seq_type)
                    == me.is_seq_of(seq, expected_type, seq_type))
    assert ml.is_str(seq) == me.is_str(seq)
    assert ml.is_filepath(seq) == me.is_filepath(seq)


@pytest.mark.parametrize('value', [1, None, 'ab', (1, 2, 3), [4], 2.5, range(2)], ids=repr)
def test_to_ntuple(value):
    for n in range(1, 5):
        assert ml.to_ntuple(n)(value) == me.to_ntuple(n)(value)
    assert ml.to_2tuple(value) == me.to_2tuple(value)


def test_casts_and_lists():
    assert ml.list_cast(['1', '2'], int) == me.list_cast(['1', '2'], int)
    assert ml.tuple_cast([1, 0], str) == me.tuple_cast([1, 0], str)
    assert list(ml.iter_cast('12', int)) == list(me.iter_cast('12', int))
    data = list(range(12))
    for lens in (1, 2, 3, 4, 6, 12, [12], [1, 11], [5, 0, 7]):
        assert ml.slice_list(data, lens) == me.slice_list(data, lens)
    nested = [[1, 2], (3, ), [], 'ab']
    assert ml.concat_list(nested) == me.concat_list(nested)


def test_apply_to():
    Point = namedtuple('Point', ['x', 'y'])
    data = OrderedDict(a=[1, 'keep', (2, Point(3, 'y'))], b={'c': 4.0, 'd': [5]})
    expr, func = (lambda x: isinstance(x, int)), (lambda x: -x)
    assert ml.apply_to(data, expr, func) == me.apply_to(data, expr, func)


OBJECT_NAMES = ['os', 'os.path', 'os.path.join', 'json.decoder.JSONDecoder',
                'collections.abc.Sequence', 'collections.OrderedDict.fromkeys',
                'mmengine.utils.misc.is_str', 'mmengine.utils.is_str', 'not_a_module_xyz',
                'os.not_a_submodule_xyz', 'os.path.join.nope', 'importlib.metadata.version']


@pytest.mark.parametrize('name', OBJECT_NAMES)
def test_get_object_from_string(name):
    assert ml.get_object_from_string(name) == me.get_object_from_string(name)


def test_method_helpers():

    class Base:

        def foo(self):
            pass

        def bar(self):
            pass

    class Derived(Base):

        def foo(self):
            pass

    for method in ('foo', 'bar'):
        for derived in (Derived, Derived(), Base):
            assert (ml.is_method_overridden(method, Base, derived)
                    == me.is_method_overridden(method, Base, derived))
    obj = Derived()
    obj.attr = 1
    for name in ('foo', 'attr', 'missing'):
        assert ml.has_method(obj, name) == me.has_method(obj, name)


def test_import_modules_from_strings():
    for imports in (None, [], 'os', ['os', 'sys'], ['os.path']):
        assert (ml.import_modules_from_strings(imports)
                == me.import_modules_from_strings(imports))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert (ml.import_modules_from_strings(['os', 'no_xyz'], allow_failed_imports=True)
                == me.import_modules_from_strings(['os', 'no_xyz'], allow_failed_imports=True))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in ('a.txt', 'b.PY', 'c.Txt', '.hidden.txt', 'noext', 'sub/c.txt', 'sub/e.py',
                'sub/deeper/d.TXT', '.hidden_dir/e.txt', 'x.txt/inner.py'):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    (tmp_path / 'empty').mkdir()
    return tmp_path


@pytest.mark.parametrize('suffix', [None, '.txt', '.TXT', '.py', ('.txt', '.py'), 'xt', ''])
@pytest.mark.parametrize('recursive', [False, True])
@pytest.mark.parametrize('case_sensitive', [True, False])
def test_scandir(tree, suffix, recursive, case_sensitive):
    for root in (tree, str(tree), str(tree) + os.sep):
        ours = sorted(ml.scandir(root, suffix, recursive, case_sensitive))
        theirs = sorted(me.scandir(root, suffix, recursive, case_sensitive))
        assert ours == theirs


def test_path_helpers(tree):
    from mmengine.utils.path import find_vcs_root

    for path in ('/a', 'a', 'http://x', 'https://x', 's3://x', 'ftp://x', 'C:/x'):
        assert ml.is_abs(path) == me.is_abs(path)
    (tree / 'sub' / '.git').mkdir()
    for start in (tree / 'sub' / 'deeper', tree / 'sub' / 'e.py', tree):
        for markers in (('.git', ), ('empty', ), ('nothing_xyz', )):
            assert ml.find_vcs_root(str(start), markers) == find_vcs_root(str(start), markers)


def test_get_git_hash():
    assert ml.get_git_hash(digits=8) == me.get_git_hash(digits=8)


@pytest.mark.filterwarnings('ignore::DeprecationWarning')
@pytest.mark.filterwarnings('ignore::UserWarning')
@pytest.mark.parametrize('package', ['packaging', 'numpy', 'torch', 'mmengine', 'json',
                                     'not_a_package_xyz'])
def test_package_queries(package):
    pytest.importorskip('pkg_resources')  # what mmengine 0.10.7 uses
    assert ml.is_installed(package) == me.is_installed(package)
    if ml.is_installed(package):
        assert ml.get_installed_path(package) == me.get_installed_path(package)


@pytest.mark.filterwarnings('ignore::DeprecationWarning')
@pytest.mark.filterwarnings('ignore::UserWarning')
@pytest.mark.parametrize('package', ['torch', 'mmengine', 'mmlightning'])
def test_package2module(package):
    pytest.importorskip('pkg_resources')
    from mmengine.utils.package_utils import package2module

    assert ml.package2module(package) == package2module(package)


def _recorded_messages(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        result = func(*args, **kwargs)
    return result, [str(w.message) for w in record]


def test_deprecated_api_warning_messages():

    def api(a, new=0):
        return a, new

    for kwargs in ({'old': 3}, {'new': 3}, {}):
        for positional in ((1, ), ):
            ours = _recorded_messages(ml.deprecated_api_warning({'old': 'new'}, 'C')(api),
                                      *positional, **kwargs)
            theirs = _recorded_messages(me.deprecated_api_warning({'old': 'new'}, 'C')(api),
                                        *positional, **kwargs)
            assert ours == theirs

    def legacy(old, other=0):
        return old, other

    assert (_recorded_messages(ml.deprecated_api_warning({'old': 'new'})(legacy), 1, 2)
            == _recorded_messages(me.deprecated_api_warning({'old': 'new'})(legacy), 1, 2))


DOCSTRINGS = [None, '', 'One line.', 'Summary.\n\n    Args:\n        x: y.\n    ',
              'Summary\n    continued.\n\n    Body.\n\n    More body.\n']


@pytest.mark.parametrize('doc', DOCSTRINGS)
def test_deprecated_function_docstring(doc):

    def func():
        pass

    func.__doc__ = doc
    ours = ml.deprecated_function('1.0', '2.0', 'use other')(func)
    theirs = me.deprecated_function('1.0', '2.0', 'use other')(func)
    assert ours.__doc__ == theirs.__doc__


def test_time_counter_output(monkeypatch, capsys):
    from mmengine.utils.dl_utils import TimeCounter as MMETimeCounter

    from mmlightning.utils.dl_utils import TimeCounter

    outputs = []
    for counter_cls in (TimeCounter, MMETimeCounter):
        monkeypatch.setattr(counter_cls, 'instance_dict', {})
        now = [0.0]
        steps = [0, 1.0, 0, 0.01, 0, 0.03, 0, 0.05, 0, 0.02]

        def perf_counter(now=now, steps=steps):
            now[0] += steps.pop(0) if steps else 0
            return now[0]

        monkeypatch.setattr(time, 'perf_counter', perf_counter)

        @counter_cls(log_interval=2, warmup_interval=2, with_sync=False)
        def work():
            return None

        for _ in range(5):
            work()
        outputs.append(capsys.readouterr().out)
    ours, theirs = outputs
    assert ours == theirs and ours.count('\n') == 2


def test_collect_env_matches_on_shared_keys():
    from mmengine.utils.dl_utils import collect_env as mme_collect_env

    from mmlightning.utils.dl_utils import collect_env

    ours, theirs = collect_env(), mme_collect_env()
    assert set(theirs) - {'MMEngine'} <= set(ours)
    for key in set(theirs) - {'MMEngine', 'numpy_random_seed'}:
        assert ours[key] == theirs[key], key


def _square(x):
    return x * x


def test_track_results_match():
    tasks = list(range(5))
    assert (ml.track_progress(_square, tasks, file=io.StringIO())
            == me.track_progress(_square, tasks, file=io.StringIO()))
    assert (list(ml.track_iter_progress(tasks, file=io.StringIO()))
            == list(me.track_iter_progress(tasks, file=io.StringIO())))
    assert (ml.track_parallel_progress(_square, tasks, 2, file=io.StringIO())
            == me.track_parallel_progress(_square, tasks, 2, file=io.StringIO()))
    assert (ml.track_progress_rich(pow, [(2, 3), (3, 2)], nproc=2)
            == me.track_progress_rich(pow, [(2, 3), (3, 2)], nproc=2))
