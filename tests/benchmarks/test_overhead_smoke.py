"""Smoke test of ``benchmarks/overhead.py``: each variant trains a few timed iterations."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'benchmarks'))  # the scripts import each other by name
overhead = importlib.import_module('overhead')
variants = importlib.import_module('overhead_variants')
step_clock = importlib.import_module('step_clock')
CPU = torch.device('cpu')


def _tiny(workload_key: str) -> tuple[object, object, dict]:
    workload = {w.key: w for w in variants.workloads(quick=True)}[workload_key]
    torch.manual_seed(0)
    return workload, variants.make_dataset(workload, iters=6), workload.build_net().state_dict()


@pytest.mark.parametrize('variant', list(variants.VARIANTS))
def test_every_variant_trains_and_reports_a_positive_rate(variant: str) -> None:
    if variant == 'MMEngine Runner':
        pytest.importorskip('mmengine.runner')
    variants.quiet()
    workload, dataset, state = _tiny('a')
    rate = variants.measure(variant, workload, dataset, CPU, state, warmup=2)
    assert rate.wall > 0 and rate.cpu > 0


@pytest.mark.parametrize('variant', ['raw PyTorch', 'mmlightning'])
def test_a_variant_starts_from_the_given_weights_and_trains_them(variant: str) -> None:
    variants.quiet()
    workload, dataset, state = _tiny('b')
    seen = {}

    def keep(setup: object) -> None:
        seen['initial'] = {k: v.clone() for k, v in setup.net.net.state_dict().items()}
        variants.VARIANTS[variant](setup)
        seen['trained'] = setup.net.net.state_dict()

    variants.measure(variant, workload, dataset, CPU, state, run=keep, warmup=2)
    for name, value in state.items():
        assert torch.equal(seen['initial'][name], value), name
        assert not torch.equal(seen['trained'][name], value), name


def test_a_wrong_iteration_count_is_reported() -> None:
    clock = step_clock.Clock(last=4, warmup=1, device=CPU)
    clock.tick()
    with pytest.raises(RuntimeError, match='expected 5 iterations, the variant ran 1'):
        clock.rate()


def test_sync_counter_sees_item_and_bool_with_their_caller() -> None:
    counter = step_clock.SyncCounter()
    with counter:
        counter.active = True
        value = torch.ones(2).sum()
        value.item()
        bool(value > 0)
        counter.active = False
        value.item()
    assert counter.total == 2
    assert all(Path(__file__).name in source for source in counter.sources)


def test_mmlightning_does_not_synchronise_between_logging_steps() -> None:
    variants.quiet()
    workload = variants.workloads(quick=True)[0]
    counter = overhead.count_syncs('mmlightning', workload, iters=6, device=CPU)
    assert counter.total == 0, dict(counter.sources)


def test_table_ratios_and_targets() -> None:
    workload = variants.workloads(quick=True)[0]
    results = {'Lightning manual': [step_clock.Rate(wall=90.0, cpu=100.0),
                                    step_clock.Rate(wall=90.0, cpu=100.0),
                                    step_clock.Rate(wall=90.0, cpu=40.0)],
               'mmlightning': [step_clock.Rate(wall=80.0, cpu=95.0),
                               step_clock.Rate(wall=80.0, cpu=80.0),
                               step_clock.Rate(wall=80.0, cpu=47.0)]}
    table = overhead.format_table(workload, results, CPU)
    # median it/s 80, spread (95 - 47) / 80, best 95, paired ratios 0.95, 0.8, 1.175 -> 0.95
    assert '| mmlightning | 80.0 | 12.500 | 60% | 95.0 | 80.0 | 0.950x |' in table
    assert overhead.check_targets('a', results, CPU) == [
        'target (a) mmlightning >= 0.90x Lightning manual: 0.950x MET']
    assert overhead.check_targets('b', results, CPU) == [
        'target (b) mmlightning within 3% of Lightning manual: 0.950x MISSED']
    assert '| mmlightning | 80.0 | 12.500 | 0% | 80.0 | 80.0 | 0.889x |' in overhead.format_table(
        workload, results, torch.device('cuda'))  # wall clock on CUDA
