"""Every config error names the file, the key and what to do."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigKeyError, ConfigMergeError, ConfigParsingError

ERRORS = Path(__file__).parent / 'data' / 'errors'


def test_missing_config_file_suggests_neighbour() -> None:
    with pytest.raises(FileNotFoundError, match=r"config file not found: .*cycle_c\.py\. "
                                                r"Did you mean one of 'cycle_b.py', 'cycle_a.py'"):
        Config.fromfile(ERRORS / 'cycle_c.py')


def test_missing_base_names_path_and_referrer() -> None:
    with pytest.raises(FileNotFoundError) as info:
        Config.fromfile(ERRORS / 'missing_base.py')
    message = str(info.value)
    assert "base config './does_not_exist.py' not found" in message
    assert str(ERRORS / 'does_not_exist.py') in message
    assert f'referenced by {ERRORS / "missing_base.py"}' in message


def test_cycle_shows_the_cycle() -> None:
    a, b = ERRORS / 'cycle_a.py', ERRORS / 'cycle_b.py'
    with pytest.raises(ConfigParsingError, match=re.escape(f'{a} -> {b} -> {a}')):
        Config.fromfile(a)


def test_syntax_error_names_file_and_line() -> None:
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(ERRORS / 'syntax.py')
    assert f'{ERRORS / "syntax.py"}:3' in str(info.value)
    assert info.value.filename == str(ERRORS / 'syntax.py') and info.value.lineno == 3


def test_runtime_error_in_py_config_points_at_line() -> None:
    with pytest.raises(NameError) as info:
        Config.fromfile(ERRORS / 'runtime_error.py')
    frames = [f for f in info.traceback if str(f.path) == str(ERRORS / 'runtime_error.py')]
    assert frames and frames[-1].lineno + 1 == 2


def test_bad_base_var_names_reference_file_and_suggests() -> None:
    with pytest.raises(ConfigKeyError, match=r"\{\{_base_.model.dpth\}\} in .*bad_base_var\.py: "
                                             r"the base configs have no key 'model.dpth'. "
                                             r"Did you mean one of 'model.depth'"):
        Config.fromfile(ERRORS / 'bad_base_var.py')
    with pytest.raises(ConfigKeyError, match=r"bad_yaml_base_var\.yaml: the base configs have no "
                                             r"key 'optimizer.learning_rate'"):
        Config.fromfile(ERRORS / 'bad_yaml_base_var.yaml')


def test_delete_misuse() -> None:
    with pytest.raises(ConfigMergeError, match=r'optimizer in .*delete_nothing\.py sets '
                                               r'_delete_=True, but no base config defines'):
        Config.fromfile(ERRORS / 'delete_nothing.py')
    with pytest.raises(ConfigMergeError, match=r"model\._delete_ in .*delete_not_bool\.py must "
                                               r"be True or False, got 'yes'"):
        Config.fromfile(ERRORS / 'delete_not_bool.py')


def test_dict_over_scalar_suggests_delete() -> None:
    with pytest.raises(ConfigMergeError, match=r"only0 is a dict in .*dict_over_scalar\.py but "
                                               r"str \('zero'\) in its base.*_delete_=True"):
        Config.fromfile(ERRORS / 'dict_over_scalar.py')


def test_duplicate_key_in_sibling_bases() -> None:
    with pytest.raises(ConfigKeyError, match=r"key 'shared' is defined by two sibling bases of "
                                             r".*siblings\.py: .*sibling_a\.py and "
                                             r".*sibling_b\.py"):
        Config.fromfile(ERRORS / 'siblings.py')


def test_env_variable_without_default() -> None:
    with pytest.raises(ConfigKeyError, match="environment variable 'MML_TEST_REQUIRED_VAR' used "
                                             r"in .*env_required\.py is not set and has no"):
        Config.fromfile(ERRORS.parent / 'py' / 'env_required.py')


def test_yaml_top_level_must_be_mapping() -> None:
    with pytest.raises(ConfigParsingError, match='must be a mapping at the top level, got list'):
        Config.fromfile(ERRORS / 'not_mapping.yaml')


def test_bad_json_names_line(tmp_path: Path) -> None:
    (tmp_path / 'bad.json').write_text('{\n"a": 1,\n}')
    with pytest.raises(ConfigParsingError, match=r'bad\.json:3: invalid JSON'):
        Config.fromfile(tmp_path / 'bad.json')


def test_with_other_than_read_base(tmp_path: Path) -> None:
    (tmp_path / 'w.py').write_text('import torch\nwith open("x") as f:\n    pass\n')
    with pytest.raises(ConfigParsingError, match=r'w\.py:2: only `with read_base\(\):`'):
        Config.fromfile(tmp_path / 'w.py')
