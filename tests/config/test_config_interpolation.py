"""${...} interpolation (OmegaConf syntax), resolved on access, in every format."""
from __future__ import annotations

from pathlib import Path

import pytest

from mmlightning.config import Config, ConfigKeyError, ConfigParsingError

DATA = Path(__file__).parent / 'data'


def test_yaml_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('MML_TEST_HOME', '/home/x')
    cfg = Config.fromfile(DATA / 'yaml/interpolation.yaml')
    assert cfg.model.head.out_channels == 10 and isinstance(cfg.model.head.out_channels, int)
    assert cfg.model.head.name == 'head_10_10'
    assert cfg.scaled_lr == 0.1 and cfg.home == '/home/x'


def test_resolved_on_access_after_changes() -> None:
    cfg = Config.fromstring("lr = 0.1\noptim = dict(lr='${lr}', name='lr=${lr}')\n", '.py')
    cfg.lr = 0.5
    assert cfg.optim.lr == 0.5 and cfg.optim.name == 'lr=0.5'
    assert cfg.to_dict()['optim'] == dict(lr=0.5, name='lr=0.5')


def test_json_relative_and_list_interpolation() -> None:
    cfg = Config.fromstring('{"a": {"b": 2, "c": "${.b}", "d": "${..top}"}, "top": [1, 2],'
                            ' "lst": ["${a.b}", "x"], "idx": "${top.1}"}', '.json')
    assert cfg.a.c == 2 and cfg.a.d == [1, 2]
    assert cfg.lst == [2, 'x'] and cfg.idx == 2


def test_interpolation_kept_raw_in_dump(tmp_path: Path) -> None:
    cfg = Config.fromstring("a = 1\nb = '${a}'\n", '.py')
    assert "b = '${a}'" in cfg.pretty_text
    cfg.dump(tmp_path / 'x.py')
    assert Config.fromfile(tmp_path / 'x.py').b == 1


def test_escape() -> None:
    assert Config.fromstring("a = '\\\\${not.this}'\n", '.py').a == '${not.this}'


def test_missing_reference_names_use_site_and_suggests() -> None:
    cfg = Config.fromstring("model = dict(depth=1, x='${model.dept}')\n", '.py')
    with pytest.raises(ConfigKeyError, match=r"'\$\{model.dept\}' used at 'model.x' refers to "
                                             r"a missing key: 'dept' is not in 'model'. "
                                             r"Did you mean 'depth'\?"):
        cfg.model.x


def test_cycle_is_reported() -> None:
    cfg = Config.fromstring("a = '${b}'\nb = '${a}'\n", '.py')
    with pytest.raises(ConfigParsingError, match='interpolation cycle'):
        cfg.a


def test_bad_syntax_and_unknown_resolver() -> None:
    with pytest.raises(ConfigParsingError, match="bad interpolation '\\$\\{a' at 'b'"):
        Config.fromstring("a = 1\nb = '${a'\n", '.py').b
    with pytest.raises(ConfigParsingError, match="unknown interpolation resolver 'nope'"):
        Config.fromstring("b = '${nope:1}'\n", '.py').b
