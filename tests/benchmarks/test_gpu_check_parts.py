"""Pieces of ``benchmarks/gpu_check.py`` that run on CPU: exact resume and the summary table."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'benchmarks'))  # the scripts import each other by name
scale_checks = importlib.import_module('gpu_scale_checks')
gpu_check = importlib.import_module('gpu_check')


def test_exact_resume_is_bitwise_on_cpu() -> None:
    row = scale_checks.exact_resume(torch.device('cpu'), samples=64)
    assert row['ok'] and 'bitwise equal' in row['figure'] and 'after 4 iterations' in row['figure']


def test_summary_prints_one_table_and_writes_json(tmp_path: Path, capsys) -> None:
    rows = [dict(check='a', ok=True, figure='1'), dict(check='b', ok=False, figure='2')]
    header = dict(device='CPU', seconds=3.0)
    assert gpu_check.summary(rows, header, str(tmp_path / 'out.json')) is False
    assert '| b | NO | 2 |' in capsys.readouterr().out
    assert json.loads((tmp_path / 'out.json').read_text())['checks'] == rows
