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
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import tempfile
import time
import traceback
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, Dataset

LR = 0.01
REFERENCES = ('Lightning manual', 'MMEngine Runner')


# ------------------------------------------------------------------ workloads
@dataclass(frozen=True)
class Workload:
    """A network, its input shape, the batch size and the iterations of one run."""

    key: str
    description: str
    input_shape: tuple[int, ...]
    build_net: Callable[[], nn.Module]
    iters: int
    batch_size: int = 32
    num_classes: int = 10


def mlp() -> nn.Module:
    """Workload (a): framework overhead dominates."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn() -> nn.Module:
    """Workload (b): compute dominates."""
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


def workloads(quick: bool) -> list[Workload]:
    """Workloads (a) and (b); ``quick`` makes them short enough for a smoke test."""
    return [Workload('a', 'MLP 64-128-10 on vectors', (64,), mlp, 60 if quick else 600),
            Workload('b', 'CNN conv32-conv64-linear on 3x32x32', (3, 32, 32), cnn,
                     16 if quick else 120)]


class TensorPairs(Dataset):
    """Pre-generated inputs with the labels of a fixed random linear teacher (learnable).

    Args:
        size: Number of samples.
        shape: Shape of one input.
        num_classes: Number of labels.
        seed: Seed of the inputs.
        teacher_seed: Seed of the teacher: sets with the same one share the labelling.
    """

    def __init__(self, size: int, shape: tuple[int, ...], num_classes: int, seed: int,
                 teacher_seed: int = 0) -> None:
        self.inputs = torch.randn(size, *shape, generator=torch.Generator().manual_seed(seed))
        self.labels = self.teacher_labels(self.inputs, num_classes, teacher_seed)

    @staticmethod
    def teacher_labels(features: torch.Tensor, num_classes: int, seed: int) -> torch.Tensor:
        """Labels of a random linear teacher (seeded by ``seed``) on ``features``."""
        teacher = torch.randn(features[0].numel(), num_classes,
                              generator=torch.Generator().manual_seed(seed))
        return (features.flatten(1) @ teacher).argmax(1)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return dict(inputs=self.inputs[index], data_samples=self.labels[index])


def make_dataset(workload: Workload, iters: int | None = None, seed: int = 0) -> TensorPairs:
    """``iters`` (default ``workload.iters``) batches of data for ``workload``."""
    size = (iters or workload.iters) * workload.batch_size
    return TensorPairs(size, workload.input_shape, workload.num_classes, seed)


def classification_loss(net: nn.Module, inputs: list, labels: list,
                        device: torch.device) -> torch.Tensor:
    """What every variant computes: tensors moved one by one, stacked, cross-entropy."""
    logits = net(torch.stack([x.to(device) for x in inputs]))
    return nn.functional.cross_entropy(logits, torch.stack([y.to(device) for y in labels]))


# ---------------------------------------------------------------- measurement
class SyncCounter(TorchFunctionMode):
    """Counts tensor calls that synchronise host and device, by caller, while ``active``."""

    NAMES = frozenset({'item', '__bool__', 'cpu', 'tolist', 'numpy', '__float__', '__int__',
                       '__index__', 'is_nonzero', 'equal', 'allclose'})

    def __init__(self) -> None:
        super().__init__()
        self.active = False
        self.sources: Counter[str] = Counter()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = getattr(func, '__name__', '')
        to_cpu = name == 'to' and _leaves_device(args, kwargs or {})
        if self.active and (name in self.NAMES or to_cpu):
            self.sources[f'{name} at {_caller()}'] += 1
        return func(*args, **(kwargs or {}))

    @property
    def total(self) -> int:
        """Calls counted."""
        return sum(self.sources.values())


def _leaves_device(args: Any, kwargs: dict[str, Any]) -> bool:
    """Whether a ``Tensor.to`` call copies a device tensor to the host."""
    source = args[0] if args else None
    targets = (*args[1:], *kwargs.values())
    return isinstance(source, torch.Tensor) and source.device.type != 'cpu' and any(
        str(target) == 'cpu' for target in targets)


def _caller() -> str:
    """``file:line`` of the innermost frame outside torch and this module."""
    torch_dir = str(Path(torch.__file__).parent)
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(torch_dir) and frame.filename != __file__:
            return f'{frame.filename}:{frame.lineno} ({frame.name})'
    return '<torch internals>'


@dataclass(frozen=True)
class Rate:
    """Iterations per second of one run, by wall clock and by this process's CPU time."""

    wall: float
    cpu: float

    def primary(self, device: torch.device) -> float:
        """CPU time on CPU (robust to other processes on the machine), wall clock on CUDA."""
        return self.cpu if device.type == 'cpu' else self.wall


@dataclass
class Clock:
    """Read in the forward: times iterations ``warmup`` to ``last`` and opens the sync window."""

    last: int
    warmup: int
    device: torch.device
    counter: Any = None  # anything with an ``active`` attribute, like SyncCounter
    ticks: list[tuple[float, float]] = field(default_factory=list)

    def tick(self) -> None:
        index = len(self.ticks)
        if index == self.last and self.counter is not None:
            self.counter.active = False
        if self.device.type == 'cuda' and index in (self.warmup, self.last):
            torch.cuda.synchronize(self.device)
        if index == self.warmup and self.counter is not None:
            self.counter.active = True
        self.ticks.append((time.perf_counter(), time.process_time()))

    def rate(self) -> Rate:
        """Iterations/s between the forwards of iterations ``warmup`` and ``last``."""
        if len(self.ticks) != self.last + 1:
            raise RuntimeError(f'expected {self.last + 1} iterations, the variant ran '
                               f'{len(self.ticks)}')
        (wall0, cpu0), (wall1, cpu1) = self.ticks[self.warmup], self.ticks[self.last]
        iters = self.last - self.warmup
        return Rate(wall=iters / (wall1 - wall0), cpu=iters / max(cpu1 - cpu0, 1e-9))


class Timed(nn.Module):
    """The workload's network, reading the clock at every forward."""

    def __init__(self, net: nn.Module, clock: Clock) -> None:
        super().__init__()
        self.net = net
        self.clock = clock

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        self.clock.tick()
        return self.net(inputs)


@dataclass
class Setup:
    """Everything a variant needs for one run."""

    net: Timed
    dataset: TensorPairs
    batch_size: int
    device: torch.device
    work_dir: str


# ------------------------------------------------------------------ variants
def run_raw(setup: Setup) -> None:
    from mmlightning.dataset import pseudo_collate

    net = setup.net.to(setup.device)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loader = DataLoader(setup.dataset, batch_size=setup.batch_size, shuffle=True,
                        collate_fn=pseudo_collate, generator=torch.Generator().manual_seed(0))
    for batch in loader:
        loss = classification_loss(net, batch['inputs'], batch['data_samples'], setup.device)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def _lightning_classes() -> tuple[type, type]:
    import lightning

    class Automatic(lightning.LightningModule):
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.net.parameters(), lr=LR)

        def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
            return classification_loss(self.net, batch['inputs'], batch['data_samples'],
                                       self.device)

    class Manual(Automatic):
        def __init__(self, net: nn.Module) -> None:
            super().__init__(net)
            self.automatic_optimization = False

        def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
            optimizer = self.optimizers()
            loss = super().training_step(batch, batch_idx)
            self.manual_backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            return loss

    return Manual, Automatic


def _run_lightning(setup: Setup, manual: bool) -> None:
    import lightning

    from mmlightning.dataset import pseudo_collate

    module = _lightning_classes()[0 if manual else 1](setup.net)
    loader = DataLoader(setup.dataset, batch_size=setup.batch_size, shuffle=True,
                        collate_fn=pseudo_collate, generator=torch.Generator().manual_seed(0))
    trainer = lightning.Trainer(
        max_epochs=1, accelerator=setup.device.type, devices=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0, use_distributed_sampler=False,
        default_root_dir=setup.work_dir)
    trainer.fit(module, loader)


def run_lightning_manual(setup: Setup) -> None:
    _run_lightning(setup, manual=True)


def run_lightning_automatic(setup: Setup) -> None:
    _run_lightning(setup, manual=False)


def mm_classifier(base: type) -> type:
    """The workload's network as a ``BaseModel`` of mmlightning or MMEngine."""

    class Classifier(base):  # type: ignore[misc, valid-type]
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def forward(self, inputs: list, data_samples: list | None = None,
                    mode: str = 'tensor') -> Any:
            logits = self.net(torch.stack(inputs))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
            return logits

    return Classifier


def mm_config(setup: Setup) -> dict[str, Any]:
    """The Runner arguments that both mmlightning and MMEngine accept."""
    return dict(
        work_dir=setup.work_dir, experiment_name=f'overhead_{uuid.uuid4().hex[:8]}',
        train_dataloader=dict(dataset=setup.dataset, batch_size=setup.batch_size,
                              sampler=dict(type='DefaultSampler', shuffle=True),
                              collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=LR)),
        randomness=dict(seed=0), log_level='ERROR')


def run_mmlightning(setup: Setup, **trainer: Any) -> None:
    from mmlightning.model import BaseModel
    from mmlightning.runner import Runner

    runner = Runner(model=mm_classifier(BaseModel)(setup.net),
                    trainer=dict(accelerator=setup.device.type, enable_progress_bar=False,
                                 **trainer), **mm_config(setup))
    try:
        runner.train()
    finally:  # one Runner per run: do not let file handlers pile up on the logger
        handler = getattr(runner, '_log_handler', None)
        if handler is not None:
            logging.getLogger('mmlightning').removeHandler(handler)
            handler.close()


def run_mmengine(setup: Setup) -> None:
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    Runner(model=mm_classifier(BaseModel)(setup.net),
           default_hooks=dict(checkpoint=None, logger=None), **mm_config(setup)).train()


def mmengine_available() -> bool:
    try:
        import mmengine.runner  # noqa: F401
    except ImportError:
        return False
    return True


VARIANTS: dict[str, Callable[[Setup], None]] = {
    'raw PyTorch': run_raw, 'Lightning manual': run_lightning_manual,
    'Lightning automatic': run_lightning_automatic, 'mmlightning': run_mmlightning,
    'MMEngine Runner': run_mmengine}


def quiet() -> None:
    """Silence the per-Trainer banners and warnings that would drown the table."""
    import lightning  # noqa: F401  (creates its loggers)

    warnings.filterwarnings('ignore')
    for name in list(logging.root.manager.loggerDict):
        if name.split('.')[0] in ('lightning', 'lightning_fabric', 'pytorch_lightning'):
            logging.getLogger(name).setLevel(logging.ERROR)


def measure(variant: str, workload: Workload, dataset: TensorPairs, device: torch.device,
            state: dict[str, torch.Tensor], counter: Any = None,
            run: Callable[[Setup], None] | None = None, warmup: int | None = None) -> Rate:
    """Train ``workload`` for one epoch with ``variant``; returns its iterations/s.

    Args:
        variant: A key of :data:`VARIANTS`.
        workload: The workload.
        dataset: Its data; one epoch is ``len(dataset) // batch_size`` iterations.
        device: Where to train.
        state: The network's initial weights (the same for every variant).
        counter: If given, its ``active`` is set during the timed iterations.
        run: Replaces ``VARIANTS[variant]`` (say, with other Trainer arguments).
        warmup: Untimed first iterations (default: a tenth, at least 2).
    """
    iters = len(dataset) // workload.batch_size
    warmup = max(2, iters // 10) if warmup is None else warmup
    clock = Clock(last=iters - 1, warmup=warmup, device=device, counter=counter)
    net = workload.build_net()
    net.load_state_dict(state)
    with tempfile.TemporaryDirectory(prefix='overhead_') as work_dir:
        (run or VARIANTS[variant])(Setup(Timed(net, clock), dataset, workload.batch_size,
                                         device, work_dir))
    return clock.rate()


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
    return lines


def mmlightning_without_logging(setup: Setup) -> None:
    """mmlightning with ``self.log`` off (``log_every_n_steps=10**9``)."""
    run_mmlightning(setup, log_every_n_steps=10**9)


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
    return 'benchmark' if filename == __file__ else 'python/other'


def profile(variant: str, workload: Workload, device: torch.device, top: int = 30) -> None:
    """cProfile one run; print own time per package and the top functions, in us/iteration."""
    dataset = make_dataset(workload)
    state = workload.build_net().state_dict()
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
          '(set-up included); own time per package, us/iteration:')
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
