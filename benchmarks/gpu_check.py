"""GPU checks of mmlightning: mixed-precision parity, throughput and host-device syncs on CUDA.

Usage (one CUDA GPU; under 5 minutes)::

    python benchmarks/gpu_check.py [--repeats N]
    python benchmarks/gpu_check.py --cpu-dry-run   # the same logic on CPU, no fp16, short

1. Parity: a small CNN trained by ``mmlightning.runner.Runner`` with
   ``OptimWrapper`` ('32-true'), ``AmpOptimWrapper(dtype='float16')``
   ('16-mixed') and ``AmpOptimWrapper(dtype='bfloat16')`` ('bf16-mixed'),
   same data and initial weights. Prints the final losses and accuracy and
   their differences from fp32: they must be close, and not equal (equal
   would mean autocast never ran).
2. Throughput: workload (b) of ``overhead.py`` on CUDA for raw PyTorch, plain
   Lightning, mmlightning (and MMEngine's Runner when importable).
3. Syncs: tensor calls that synchronise (``item``, ``cpu``...) and, with
   ``torch.cuda.set_sync_debug_mode('warn')``, every synchronising CUDA call
   during 40 iterations of mmlightning with logging off (and of raw PyTorch,
   for comparison).
4. Exact resume on the device and 5. DDP and Lightning's FSDP strategy on every visible GPU
   (:mod:`gpu_scale_checks`; FSDP needs CUDA, so the dry run skips it).
6. The native-ops benchmarks (``ops.py`` on the device, ``ops_deform.py``).

Ends with one table (check, ok, figure), also written as JSON (``--json``, default
``gpu_check.json``). Exits with status 1 if a check fails, 2 without a CUDA device.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from gpu_scale_checks import ddp, exact_resume
from overhead import check_targets, compare, count_syncs, format_table, paired_ratio
from overhead_variants import TensorPairs, cnn, mm_classifier, mmengine_available, quiet, workloads
from step_clock import SyncCounter

PRECISIONS = {'32-true': None, '16-mixed': 'float16', 'bf16-mixed': 'bfloat16'}
LOSS_RTOL = 0.05   # final train/eval loss, relative to fp32
ACC_ATOL = 0.03    # eval accuracy, absolute


class SmoothImages(TensorPairs):
    """3x32x32 images: a 3x4x4 random pattern upsampled, plus noise; labelled from the pattern.

    Unlike white-noise images, a small CNN learns these in a few epochs, so
    that the precisions are compared on a model that actually trains.
    """

    def __init__(self, size: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        pattern = torch.randn(size, 3, 4, 4, generator=generator)
        noise = torch.randn(size, 3, 32, 32, generator=generator)
        self.inputs = torch.nn.functional.interpolate(pattern, scale_factor=8) + 0.5 * noise
        self.labels = self.teacher_labels(pattern, 10, seed=0)


@dataclass
class Outcome:
    """What one precision's run ends with."""

    precision: str
    trainer_precision: str
    output_dtype: torch.dtype | None
    train_loss: float
    eval_loss: float
    eval_acc: float
    weights: list[torch.Tensor]


def train_at(precision: str, device: torch.device, train_set: TensorPairs,
             eval_set: TensorPairs, state: dict[str, torch.Tensor], epochs: int) -> Outcome:
    """Train the CNN with mmlightning's Runner at ``precision``; evaluate in fp32."""
    from mmlightning.model import BaseModel
    from mmlightning.runner import Runner

    losses: list[torch.Tensor] = []
    dtypes: list[torch.dtype] = []

    class Recording(mm_classifier(BaseModel)):  # type: ignore[misc]
        def train_step(self, data: Any, optim_wrapper: Any) -> Any:
            log_vars = super().train_step(data, optim_wrapper)
            losses.append(log_vars['loss'].detach())
            return log_vars

    net = cnn()
    net.load_state_dict(state)
    net.register_forward_hook(lambda module, args, output: dtypes.append(output.dtype))
    optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
    dtype = PRECISIONS[precision]
    optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer) if dtype is None else \
        dict(type='AmpOptimWrapper', dtype=dtype, optimizer=optimizer)
    with tempfile.TemporaryDirectory(prefix='gpu_check_') as work_dir:
        runner = Runner(
            model=Recording(net), work_dir=work_dir, experiment_name=uuid.uuid4().hex,
            train_dataloader=dict(dataset=train_set, batch_size=32, collate_fn=dict(
                type='pseudo_collate'), sampler=dict(type='DefaultSampler', shuffle=True)),
            train_cfg=dict(by_epoch=True, max_epochs=epochs), optim_wrapper=optim_wrapper,
            randomness=dict(seed=0), log_level='ERROR',
            trainer=dict(accelerator=device.type, enable_progress_bar=False))
        runner.train()
    net.to(device).eval()  # the Trainer's teardown moved it back to the CPU
    with torch.no_grad():
        logits = net(eval_set.inputs.to(device)).float()
        labels = eval_set.labels.to(device)
        eval_loss = torch.nn.functional.cross_entropy(logits, labels).item()
        eval_acc = (logits.argmax(1) == labels).float().mean().item()
    return Outcome(precision, str(runner.trainer.precision), dtypes[0] if dtypes else None,
                   torch.stack(losses[-20:]).float().mean().item(), eval_loss, eval_acc,
                   [p.detach().float().cpu() for p in net.parameters()])


def parity(device: torch.device, precisions: list[str], epochs: int) -> dict[str, Any]:
    """Run the parity experiment; print a table; return its summary row."""
    train_set, eval_set = SmoothImages(2048, seed=0), SmoothImages(2048, seed=1)
    torch.manual_seed(0)
    state = cnn().state_dict()
    outcomes = [train_at(p, device, train_set, eval_set, state, epochs) for p in precisions]
    base = outcomes[0]
    print(f'1. Parity: CNN on SmoothImages, {epochs} epochs x {len(train_set) // 32} iterations, '
          'SGD lr 0.01 momentum 0.9; train loss = mean of the last 20 iterations; eval in fp32')
    print('| precision | Trainer precision | forward dtype | train loss | eval loss | eval acc '
          '| d train loss | d eval loss | d acc | max |d weight| |')
    print('|---|---|---|---:|---:|---:|---:|---:|---:|---:|')
    passed = True
    for out in outcomes:
        weight_diff = max((a - b).abs().max().item() for a, b in zip(out.weights, base.weights))
        print(f'| {out.precision} | {out.trainer_precision} | {out.output_dtype} | '
              f'{out.train_loss:.4f} | {out.eval_loss:.4f} | {out.eval_acc:.3f} | '
              f'{out.train_loss - base.train_loss:+.4f} | {out.eval_loss - base.eval_loss:+.4f} '
              f'| {out.eval_acc - base.eval_acc:+.3f} | {weight_diff:.2e} |')
        for problem in _problems(out, base, weight_diff):
            passed = False
            print(f'   FAIL {out.precision}: {problem}')
    print('parity: ' + ('PASS' if passed else 'FAIL') + '\n')
    deltas = ', '.join(f'{out.precision} d eval loss {out.eval_loss - base.eval_loss:+.4f}'
                       for out in outcomes[1:])
    return dict(check='AMP parity (' + ', '.join(precisions) + ')', ok=passed, figure=deltas)


def _problems(out: Outcome, base: Outcome, weight_diff: float) -> list[str]:
    expected_dtype = {'32-true': torch.float32, '16-mixed': torch.float16,
                      'bf16-mixed': torch.bfloat16}[out.precision]
    problems = []
    if out.trainer_precision != out.precision:
        problems.append(f'the Trainer ran {out.trainer_precision!r}')
    if out.output_dtype != expected_dtype:
        problems.append(f'the forward returned {out.output_dtype}, expected {expected_dtype}')
    for name in ('train_loss', 'eval_loss'):
        ours, ref = getattr(out, name), getattr(base, name)
        if abs(ours - ref) > LOSS_RTOL * abs(ref):
            problems.append(f'{name} {ours:.4f} is not within {LOSS_RTOL:.0%} of fp32 {ref:.4f}')
    if abs(out.eval_acc - base.eval_acc) > ACC_ATOL:
        problems.append(f'eval accuracy differs from fp32 by more than {ACC_ATOL}')
    if out is not base and weight_diff == 0:
        problems.append('weights equal to fp32: mixed precision did not run')
    return problems


class SyncDebugWindow:
    """``torch.cuda.set_sync_debug_mode('warn')`` while ``active``; records the warnings."""

    def __init__(self) -> None:
        self._active = False
        self._catcher = warnings.catch_warnings(record=True)
        self.records: list[warnings.WarningMessage] = []

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = value
        torch.cuda.set_sync_debug_mode('warn' if value else 'default')

    def __enter__(self) -> SyncDebugWindow:
        self.records = self._catcher.__enter__()
        warnings.simplefilter('always')
        return self

    def __exit__(self, *exc: Any) -> None:
        self.active = False
        self._catcher.__exit__(*exc)

    @property
    def sources(self) -> Counter[str]:
        """``file:line`` of each synchronising call, counted."""
        return Counter(f'{r.filename}:{r.lineno}' for r in self.records
                       if 'synchroniz' in str(r.message))


def syncs(device: torch.device) -> dict[str, Any]:
    """Print the synchronising calls of 40 iterations (mmlightning with logging off).

    On CUDA, the sync debug mode also flags the blocking host-to-device copies
    of ``non_blocking=False`` (MMEngine's default), in every variant alike, so
    raw PyTorch runs too, for comparison. Warnings raised in autograd's
    device threads (during backward) go to stderr instead of being counted.
    """
    workload = workloads(True)[0]
    runs: list[tuple[str, str, Any]] = [
        ('mmlightning', 'tensor calls (item, cpu, ...)', SyncCounter())]
    if device.type == 'cuda':
        runs += [(variant, "CUDA sync debug mode 'warn'", SyncDebugWindow())
                 for variant in ('mmlightning', 'raw PyTorch')]
    print('3. Host-device synchronisations in 40 iterations of workload (a) (mmlightning with '
          'log_every_n_steps=10**9):')
    counts = {}
    for variant, title, counter in runs:
        count_syncs(variant, workload, 40, device, counter=counter)
        counts[f'{variant}, {title}'] = sum(counter.sources.values())
        print(f'  {variant}, {title}: {counts[f"{variant}, {title}"]}')
        for source, count in counter.sources.most_common(10):
            print(f'      {count:5d}  {source}')
    tensor_calls = counts['mmlightning, tensor calls (item, cpu, ...)']
    return dict(check='host-device syncs in 40 iterations', ok=tensor_calls == 0,
                figure='; '.join(f'{name}: {count}' for name, count in counts.items()))


def throughput(device: torch.device, repeats: int, iters: int) -> dict[str, Any]:
    """Workload (b) of overhead.py on ``device``; the row holds the paired ratios."""
    workload = dataclasses.replace(workloads(False)[1], iters=iters)
    variants = ['raw PyTorch', 'Lightning manual', 'Lightning automatic', 'mmlightning']
    variants += ['MMEngine Runner'] if mmengine_available() else []
    results = compare(workload, variants, device, repeats)
    print('2. Throughput')
    print(format_table(workload, results, device))
    print('\n'.join(check_targets(workload.key, results, device)))
    print(f'(median spread {statistics.median(_spreads(results, device)):.0%})\n')
    ratios = {ref: paired_ratio(results, 'mmlightning', ref, device)
              for ref in ('Lightning manual', 'MMEngine Runner') if ref in results}
    return dict(check='adapter overhead, CNN (b)', ok=ratios['Lightning manual'] >= 0.9,
                figure=', '.join(f'mmlightning / {ref} {ratio:.3f}x'
                                 for ref, ratio in ratios.items()))


def ops_benchmarks(device: torch.device, quick: bool,
                   timeout: float = 240.0) -> dict[str, Any]:
    """Run ``ops.py`` (kernels on ``device``) and ``ops_deform.py`` (CPU); print their tables."""
    here = Path(__file__).parent
    commands = [[sys.executable, str(here / 'ops.py'), '--device', device.type],
                [sys.executable, str(here / 'ops_deform.py')]]
    codes = []
    print('6. Native ops (the mmcv._ext kernels in torch)')
    for command in commands:
        if quick:
            command += ['--quick'] if command[1].endswith('ops.py') else ['--repeat', '1']
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        print(done.stdout + done.stderr[-2000:])
        codes.append(done.returncode)
    return dict(check='native ops benchmarks', ok=not any(codes),
                figure=f'ops.py exit {codes[0]}, ops_deform.py exit {codes[1]} (tables above)')


def summary(rows: list[dict[str, Any]], header: dict[str, Any], path: str) -> bool:
    """Print the one table of the run, write it with ``header`` as JSON; whether all passed."""
    print(f"\n| check | ok | figure |   ({header['device']}, {header['seconds']:.0f} s)")
    print('|---|---|---|')
    for row in rows:
        print(f"| {row['check']} | {'yes' if row['ok'] else 'NO'} | {row['figure']} |")
    Path(path).write_text(json.dumps(dict(header, checks=rows), indent=2) + '\n')
    print(f'written to {path}')
    return all(row['ok'] for row in rows)


def _spreads(results: dict[str, list[Any]], device: torch.device) -> list[float]:
    values = [[r.primary(device) for r in rates] for rates in results.values()]
    return [(max(v) - min(v)) / statistics.median(v) for v in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--cpu-dry-run', action='store_true',
                        help='check the script on CPU: 32-true and bf16-mixed only, short runs')
    parser.add_argument('--json', default='gpu_check.json', help='where the table goes as JSON')
    args = parser.parse_args()
    if args.cpu_dry_run:
        torch.set_num_threads(1)
        device, precisions, epochs, iters = torch.device('cpu'), ['32-true', 'bf16-mixed'], 1, 20
    elif not torch.cuda.is_available():
        print('gpu_check.py needs a CUDA GPU: torch.cuda.is_available() is False '
              f'(torch {torch.__version__}). Run it on a GPU machine, or pass --cpu-dry-run '
              'to check the script itself on CPU.', file=sys.stderr)
        raise SystemExit(2)
    else:
        device, precisions, epochs, iters = torch.device('cuda'), list(PRECISIONS), 3, 400
    quiet()
    start = time.perf_counter()
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU (dry run)'
    print(f'device: {name}, torch {torch.__version__}\n')
    rows = [parity(device, precisions, epochs),
            throughput(device, 1 if args.cpu_dry_run else args.repeats, iters),
            syncs(device), exact_resume(device), ddp(device),
            *([ddp(device, 'fsdp')] if device.type == 'cuda' else []),
            ops_benchmarks(device, quick=args.cpu_dry_run)]
    header = dict(device=name, gpus=torch.cuda.device_count(), torch=torch.__version__,
                  date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                  seconds=time.perf_counter() - start)
    passed = summary(rows, header, args.json)
    raise SystemExit(0 if passed else 1)


if __name__ == '__main__':
    main()
