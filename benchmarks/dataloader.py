"""Samples/s of mmlightning's dataloader path against a plain PyTorch ``DataLoader``.

Usage::

    python benchmarks/dataloader.py [--num-samples 1024] [--batch-size 32] [--repeats 9]

The data is synthetic: ``3x64x64`` uint8 images and labels made in memory. The
mmlightning side is a ``BaseDataset`` subclass whose pipeline is a registered
random flip followed by ``PackInputs``. Its loader comes from
``MMDataModule.train_dataloader()`` (that is, ``build_dataloader``) with
``DefaultSampler(shuffle=True)`` and the seeded ``worker_init_fn``. The plain
side is a ``torch.utils.data.Dataset`` over the same items, with
``shuffle=True``. It does the same per-sample work: a deep copy of the item,
the same two transforms, the same collate function. The copy is there
because ``BaseDataset`` hands out copies so that transforms cannot change the
stored items.

Every setting (collate function x ``num_workers`` x ``serialize_data``) times
one epoch of each loader in turn, the order alternating between repeats. Each
time covers the whole epoch, worker start-up included; the median over the
repeats is reported. ``ratio`` (mmlightning / plain samples/s) is the median
of the ratios of adjacent runs; ``best ratio`` compares the fastest epoch of
each: the epochs least disturbed by other processes.
``serialize_data`` only changes the mmlightning side, so its two rows time the
same plain loader. A last table gives the cost of one ``dataset[i]`` in the
main process, the figure that other load on the machine disturbs least.
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from mmlightning.dataset import BaseDataset, PackInputs, default_collate, pseudo_collate
from mmlightning.lightning import MMDataModule
from mmlightning.registry import DATASETS, TRANSFORMS

COLLATES: dict[str, Callable] = dict(pseudo_collate=pseudo_collate,
                                     default_collate=default_collate)


@TRANSFORMS.register_module(name='BenchRandomFlip')
class RandomFlip:
    """Flip ``results['img']`` (CHW) left-right with probability ``prob``."""

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['img'] = np.ascontiguousarray(results['img'][..., ::-1])
        return results


@DATASETS.register_module(name='BenchSyntheticImages')
class SyntheticImages(BaseDataset):
    """A ``BaseDataset`` over items made in memory (see :func:`make_items`)."""

    def __init__(self, items: list[dict], **kwargs: Any) -> None:
        self._items: list[dict] | None = items
        super().__init__(data_prefix={}, **kwargs)

    def load_data_list(self) -> list[dict]:
        items, self._items = self._items, None
        return list(items or [])


class PlainImages(Dataset):
    """A plain PyTorch dataset doing the per-sample work of ``SyntheticImages``."""

    def __init__(self, items: list[dict], transforms: list[Callable]) -> None:
        self.items = items
        self.transforms = transforms

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, idx: int) -> dict:
        results = copy.deepcopy(self.items[idx])
        results['sample_idx'] = idx
        for transform in self.transforms:
            results = transform(results)
        return results


def make_items(num_samples: int, image_size: int = 64) -> list[dict]:
    """``num_samples`` random ``3 x image_size x image_size`` uint8 images with labels."""
    rng = np.random.default_rng(0)
    return [dict(img=rng.integers(0, 256, (3, image_size, image_size), dtype=np.uint8),
                 gt_label=int(rng.integers(0, 10))) for _ in range(num_samples)]


def pipeline() -> list[Any]:
    return [RandomFlip(0.5), PackInputs(input_key='img', data_keys=('gt_label',),
                                        meta_keys=('sample_idx',))]


def mm_loader(items: list[dict], collate: str, num_workers: int, serialize: bool,
              batch_size: int) -> DataLoader:
    dataset = dict(type='BenchSyntheticImages', items=items, serialize_data=serialize,
                   pipeline=[dict(type='BenchRandomFlip', prob=0.5),
                             dict(type='PackInputs', input_key='img', data_keys=('gt_label',),
                                  meta_keys=('sample_idx',))])
    cfg = dict(dataset=dataset, sampler=dict(type='DefaultSampler', shuffle=True),
               batch_size=batch_size, num_workers=num_workers, collate_fn=dict(type=collate))
    return MMDataModule(train_dataloader=cfg, seed=0).train_dataloader()


def plain_loader(items: list[dict], collate: str, num_workers: int,
                 batch_size: int) -> DataLoader:
    return DataLoader(PlainImages(items, pipeline()), batch_size=batch_size, shuffle=True,
                      num_workers=num_workers, collate_fn=COLLATES[collate])


def epoch_time(loader: DataLoader) -> float:
    """Seconds to iterate one epoch, from creating the iterator to the last batch."""
    start = time.perf_counter()
    num_samples = 0
    for batch in loader:
        num_samples += len(batch['inputs'])
    elapsed = time.perf_counter() - start
    if num_samples != len(loader.dataset):
        raise RuntimeError(f'an epoch gave {num_samples} samples, expected '
                           f'{len(loader.dataset)}')
    return elapsed


def run(args: argparse.Namespace) -> list[tuple]:
    """Time every setting; one row per setting (see the table printed by :func:`main`)."""
    items = make_items(args.num_samples)
    settings = [(collate, workers, serialize) for collate in COLLATES
                for workers in args.num_workers for serialize in (True, False)]
    mm = {s: mm_loader(items, *s, args.batch_size) for s in settings}
    plain = {(c, w): plain_loader(items, c, w, args.batch_size) for c, w, _ in settings}
    for loader in (*mm.values(), *plain.values()):  # warm-up: imports, page faults
        epoch_time(loader)
    mm_times: dict[tuple, list[float]] = {setting: [] for setting in settings}
    plain_times: dict[tuple, list[float]] = {setting: [] for setting in settings}
    for repeat in range(args.repeats):
        for setting in settings:
            runs = [(mm[setting], mm_times), (plain[setting[:2]], plain_times)]
            for loader, times in runs if repeat % 2 == 0 else reversed(runs):
                times[setting].append(epoch_time(loader))
    rows = []
    for setting in settings:
        collate, workers, serialize = setting
        mm_t, plain_t = mm_times[setting], plain_times[setting]
        # ratios of adjacent runs, which a drifting load affects less than separate medians
        paired = statistics.median(p / m for m, p in zip(mm_t, plain_t))
        rows.append((collate, workers, 'on' if serialize else 'off',
                     args.num_samples / statistics.median(mm_t),
                     args.num_samples / statistics.median(plain_t), paired,
                     min(plain_t) / min(mm_t)))
    return rows


def per_sample_costs(num_samples: int, repeats: int) -> dict[str, float]:
    """Microseconds per ``dataset[i]`` without a ``DataLoader``, best of ``repeats`` passes."""
    items = make_items(num_samples)
    datasets = {f'BaseDataset, serialize_data={flag}': mm_loader(items, 'pseudo_collate', 0,
                                                                  flag, 1).dataset
                for flag in (True, False)}
    datasets['plain Dataset'] = PlainImages(items, pipeline())
    costs = {}
    for name, dataset in datasets.items():
        best = min(timeit.repeat(lambda d=dataset: [d[i] for i in range(num_samples)],
                                 number=1, repeat=repeats))
        costs[name] = best / num_samples * 1e6
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-samples', type=int, default=1024)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--repeats', type=int, default=9)
    parser.add_argument('--num-workers', type=int, nargs='+', default=[0, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    rows = run(args)
    print(f'{args.num_samples} samples of 3x64x64 uint8, batch {args.batch_size}, median of '
          f'{args.repeats} epochs; load average {load_before:.2f} before, '
          f'{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs, '
          f'{time.perf_counter() - start:.0f} s')
    header = (f'{"collate":<16}{"workers":>8}{"serialize":>10}{"mmlightning/s":>15}'
              f'{"plain/s":>10}{"ratio":>8}{"best ratio":>12}')
    print(header)
    print('-' * len(header))
    for collate, workers, serialize, mm_rate, plain_rate, ratio, best_ratio in rows:
        print(f'{collate:<16}{workers:>8}{serialize:>10}{mm_rate:>15.0f}{plain_rate:>10.0f}'
              f'{ratio:>8.3f}{best_ratio:>12.3f}')
    print(f'\nper sample, in this process, best of {2 * args.repeats} passes:')
    for name, cost in per_sample_costs(args.num_samples, 2 * args.repeats).items():
        print(f'  {name:<34}{cost:>7.1f} us')


if __name__ == '__main__':
    main()
