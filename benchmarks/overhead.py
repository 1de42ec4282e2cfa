"""Per-iteration cost of mmlightning against raw PyTorch, plain Lightning and MMEngine's Runner.

Usage::

    python benchmarks/overhead.py [--quick] [--device cpu|cuda] [--repeats N] [--threads N]
    python benchmarks/overhead.py --profile mmlightning      # cProfile of workload (a)

Two workloads, each trained for one epoch by five variants that do the same
work per iteration (same network and initial weights, same pre-generated
tensors, ``pseudo_collate`` batches whose tensors are moved to the device one
by one and stacked in the forward, as MMEngine's ``BaseDataPreprocessor``
does, cross-entropy, SGD step):

* ``raw PyTorch``: a ``for`` loop over a ``DataLoader``;
* ``Lightning manual`` / ``Lightning automatic``: a plain ``LightningModule``;
* ``mmlightning``: ``mmlightning.runner.Runner`` (a ``BaseModel`` in a Trainer
  with no logger, checkpointing, progress bar or model summary);
* ``MMEngine Runner``: ``mmengine.runner.Runner`` (when importable) with its
  ``CheckpointHook`` and ``LoggerHook`` removed; ``RuntimeInfoHook``,
  ``IterTimerHook``, ``DistSamplerSeedHook`` and ``ParamSchedulerHook`` stay.

The clock is read in the network's forward, so set-up and tear-down are not
timed: iterations/s is measured between the forward of iteration ``warmup``
and that of the last iteration (on CUDA, after a synchronisation at both).
Variants run round-robin, ``--repeats`` times, and the median is reported.

``--sync-iters N`` (default on) also counts the calls that would synchronise
host and device (``Tensor.item``, ``__bool__``, ``cpu``, ``tolist``...)
during N iterations of each variant, with mmlightning's logging off, and
prints where they come from.

The workloads and variants are in ``overhead_variants.py``, the clock and
the sync counter in ``step_clock.py``.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from overhead_variants import (
    VARIANTS,
    Setup,
    Workload,
    make_dataset,
    measure,
    mmengine_available,
    mmlightning_without_logging,
    quiet,
    workloads,
)
from step_clock import Rate, SyncCounter

REFERENCES = ('Lightning manual', 'MMEngine Runner')


def compare(workload: Workload, variants: list[str], device: torch.device,
            repeats: int) -> dict[str, list[Rate]]:
    """Rates of each variant over ``repeats`` round-robin runs (order rotated each run)."""
    dataset = make_dataset(workload)
    torch.manual_seed(0)
    state = workload.build_net().state_dict()
    results: dict[str, list[Rate]] = {name: [] for name in variants}
    for repeat in range(repeats):
        shift = repeat % len(variants)
        for name in variants[shift:] + variants[:shift]:
            results[name].append(measure(name, workload, dataset, device, state))
    return results


def medians(results: dict[str, list[Rate]], device: torch.device) -> dict[str, float]:
    """Median iterations/s of each variant, by :meth:`Rate.primary`."""
    return {name: statistics.median(r.primary(device) for r in rates)
            for name, rates in results.items()}


def paired_ratio(results: dict[str, list[Rate]], name: str, ref: str,
                 device: torch.device) -> float:
    """Median over the repeats of ``name``'s rate over ``ref``'s in the same repeat.

    Runs of one repeat are adjacent in time, so they share the machine's load;
    this ratio is steadier than the ratio of the medians on a busy machine.
    """
    return statistics.median(ours.primary(device) / theirs.primary(device)
                             for ours, theirs in zip(results[name], results[ref]))


def format_table(workload: Workload, results: dict[str, list[Rate]],
                 device: torch.device) -> str:
    """A Markdown table: median it/s, ms/it, spread, best and wall-clock it/s, paired ratios."""
    primary = medians(results, device)
    refs = [ref for ref in REFERENCES if ref in primary]
    runs = len(next(iter(results.values())))
    timer = 'process CPU time' if device.type == 'cpu' else 'wall clock'
    lines = [f'({workload.key}) {workload.description}, batch {workload.batch_size}, '
             f'{workload.iters} it/run, median of {runs} runs, it/s by {timer}; '
             'ratios: median of per-repeat ratios',
             '| variant | it/s | ms/it | spread | best it/s | wall it/s | '
             + ' | '.join(f'vs {r}' for r in refs) + ' |',
             '|---|---:|---:|---:|---:|---:|' + '---:|' * len(refs)]
    for name, ips in primary.items():
        values = [r.primary(device) for r in results[name]]
        wall = statistics.median(r.wall for r in results[name])
        ratios = ' | '.join(f'{paired_ratio(results, name, ref, device):.3f}x' for ref in refs)
        lines.append(f'| {name} | {ips:.1f} | {1000 / ips:.3f} | '
                     f'{(max(values) - min(values)) / ips:.0%} | {max(values):.1f} | '
                     f'{wall:.1f} | {ratios} |')
    return '\n'.join(lines)


def check_targets(key: str, results: dict[str, list[Rate]], device: torch.device) -> list[str]:
    """The targets: (a) mmlightning >= 0.9x Lightning manual; (b) within 3% of the references."""
    if 'mmlightning' not in results:
        return []
    lines = []
    for ref in REFERENCES:
        if ref not in results:
            continue
        ratio = paired_ratio(results, 'mmlightning', ref, device)
        if key == 'a' and ref == 'Lightning manual':
            lines.append(f'target (a) mmlightning >= 0.90x {ref}: {ratio:.3f}x '
                         f'{"MET" if ratio >= 0.9 else "MISSED"}')
        elif key == 'a':
            lines.append(f'info (a) mmlightning / {ref}: {ratio:.3f}x')
        else:
            lines.append(f'target (b) mmlightning within 3% of {ref}: {ratio:.3f}x '
                         f'{"MET" if ratio >= 0.97 else "MISSED"}')
    hooked = 'mmlightning, default hooks'
    if hooked in results:
        ratio = paired_ratio(results, hooked, 'mmlightning', device)
        lines.append(f'info ({key}) mmlightning with default hooks / without logger and '
                     f'checkpoint hooks: {ratio:.3f}x')
    return lines


def count_syncs(variant: str, workload: Workload, iters: int, device: torch.device,
                counter: Any = None) -> Any:
    """Count host-device synchronisations during ``iters`` iterations of ``variant``.

    mmlightning runs with its logging off. ``counter`` defaults to a new
    :class:`SyncCounter`; any context manager with an ``active`` attribute works.

    Returns:
        The counter.
    """
    warmup = 5
    dataset = make_dataset(workload, warmup + iters + 1)
    torch.manual_seed(0)
    state = workload.build_net().state_dict()
    run = mmlightning_without_logging if variant == 'mmlightning' else None
    counter = SyncCounter() if counter is None else counter
    with counter:
        measure(variant, workload, dataset, device, state, counter=counter, run=run,
                warmup=warmup)
    return counter


def calls_per_iteration(variant: str, workload: Workload, device: torch.device,
                        lengths: tuple[int, int] = (40, 120),
                        run: Callable[[Setup], None] | None = None) -> float:
    """Python function calls per iteration: a noise-free measure of per-step overhead.

    After warm-up runs of both lengths (first-use imports, caches, one-time
    warnings), two runs of different lengths under cProfile; the difference
    of their call counts over the difference of their lengths leaves set-up out.
    """
    torch.manual_seed(0)
    state = workload.build_net().state_dict()
    for iters in lengths:
        measure(variant, workload, make_dataset(workload, iters), device, state, run=run)
    totals = []
    for iters in lengths:
        profiler = cProfile.Profile()
        profiler.enable()
        measure(variant, workload, make_dataset(workload, iters), device, state, run=run)
        profiler.disable()
        totals.append(sum(calls for _, calls, _, _, _ in
                          pstats.Stats(profiler).stats.values()))  # type: ignore[attr-defined]
    return (totals[1] - totals[0]) / (lengths[1] - lengths[0])


def _owner(filename: str) -> str:
    for package in ('mmlightning', 'mmengine', 'lightning_utilities', 'lightning', 'torch'):
        if f'/{package}/' in filename:
            return package
    return 'benchmark' if Path(filename).parent == Path(__file__).parent else 'python/other'


def profile(variant: str, workload: Workload, device: torch.device, top: int = 30) -> None:
    """cProfile one run; print own time per package and the top functions, in us/iteration.

    A short warm-up run comes first, so that first-use imports are not profiled.
    """
    dataset = make_dataset(workload)
    state = workload.build_net().state_dict()
    measure(variant, workload, make_dataset(workload, 20), device, state)
    profiler = cProfile.Profile()
    profiler.enable()
    measure(variant, workload, dataset, device, state)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    per_iter = 1e6 / workload.iters
    owners: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.items():
        owners[_owner(filename)] += tottime * per_iter
    print(f'cProfile of {variant}, workload ({workload.key}), {workload.iters} iterations '
          '(set-up included, after a warm-up run); own time per package, us/iteration:')
    for owner, cost in owners.most_common():
        print(f'  {cost:9.1f}  {owner}')
    print(f'top {top} functions by cumulative time, us/iteration:')
    rows = sorted(stats.items(), key=lambda item: -item[1][3])[:top]
    for (filename, line, name), (_, calls, _, cumtime, _) in rows:
        print(f'  {cumtime * per_iter:9.1f}  {calls / workload.iters:6.1f} calls/it  '
              f'{filename}:{line}({name})')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='short runs (a smoke test)')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    parser.add_argument('--repeats', type=int, default=None, help='runs per variant')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads on CPU (default 1: steadier on a shared machine)')
    parser.add_argument('--sync-iters', type=int, default=40,
                        help='iterations for the sync count (0: skip it)')
    parser.add_argument('--profile', choices=list(VARIANTS), help='cProfile workload (a) only')
    args = parser.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: no CUDA device is visible (torch.cuda.is_available() '
                         'is False); run on a GPU machine or use --device cpu')
    quiet()
    if args.device == 'cpu':
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.profile:
        profile(args.profile, workloads(args.quick)[0], device)
        return
    variants = [name for name in VARIANTS if name != 'MMEngine Runner' or mmengine_available()]
    repeats = args.repeats or (2 if args.quick else 5)
    print(f'torch {torch.__version__}, device {device}, threads {torch.get_num_threads()}, '
          f'variants: {", ".join(variants)}\n')
    for workload in workloads(args.quick):
        results = compare(workload, variants, device, repeats)
        print(format_table(workload, results, device))
        print('\n'.join(check_targets(workload.key, results, device)) + '\n')
    print('Python function calls per iteration, workload (a) (cProfile; no timing noise):')
    calls = {name: calls_per_iteration(name, workloads(True)[0], device) for name in variants}
    calls['mmlightning, self.log off'] = calls_per_iteration(
        'mmlightning', workloads(True)[0], device, run=mmlightning_without_logging)
    for name, count in calls.items():
        ratio = f' ({count / calls["Lightning manual"]:.2f}x Lightning manual)' \
            if 'Lightning manual' in calls else ''
        print(f'  {name}: {count:.0f}{ratio}')
    print()
    if args.sync_iters:
        print(f'Host-device synchronising calls in {args.sync_iters} iterations of workload (a) '
              '(mmlightning with log_every_n_steps=10**9):')
        for name in variants:
            counter = count_syncs(name, workloads(True)[0], args.sync_iters, device)
            print(f'  {name}: {counter.total}')
            for source, count in counter.sources.most_common():
                print(f'      {count:5d}  {source}')


if __name__ == '__main__':
    main()
