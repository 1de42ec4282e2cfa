"""Smoke test of ``benchmarks/ops.py``: every case runs at a tiny size and agrees with its loop."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'benchmarks'))  # the scripts import each other by name
ops = importlib.import_module('ops')


@pytest.mark.parametrize('case', ops.CASES, ids=lambda case: case.name)
def test_each_case_runs_and_agrees_with_its_reference(case):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        (row,) = ops.run([case], scale=0.02, repeats=1)
    finally:
        torch.set_num_threads(threads)
    assert row['kernel_s'] > 0
    assert row.get('agree', True), f'{case.name}: the kernel and the loop disagree'


def test_the_table_prints_every_row(capsys):
    ops.print_rows([{'case': 'a', 'kernel_s': 0.001, 'reference_s': 0.1, 'ratio': 100.0,
                     'agree': True}, {'case': 'b', 'kernel_s': 0.002}])
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ['a', '1.00', '100.0', '100.0x', 'yes', '-']
    assert out[2].split() == ['b', '2.00', '-', '-', '-', '-']
