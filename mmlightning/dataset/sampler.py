"""``DefaultSampler`` and ``InfiniteSampler``: rank-aware samplers with resumable state.

Both shard by rank themselves (``get_dist_info``), so a Lightning ``Trainer``
must run with ``use_distributed_sampler=False``. Both can save how many
indices this rank has yielded (``state_dict``) and continue from the next
index after ``load_state_dict``, so training resumes mid-epoch without
replaying data. With worker prefetching the ``DataLoader`` takes indices ahead
of the batches trained on; a training loop that reports what it consumed
(``report_consumed``) makes the saved position count those instead.
"""
from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator, Mapping, Sized
from typing import Any

import torch
from torch.utils.data import Sampler

from mmlightning.registry import DATA_SAMPLERS
from mmlightning.utils.errors import ReadableKeyError

from .dist_utils import get_dist_info, sync_random_seed

logger = logging.getLogger(__name__)


def _check_state(state: Mapping[str, Any], keys: tuple[str, ...], owner: str) -> None:
    missing = [key for key in keys if key not in state]
    if missing:
        raise ReadableKeyError(
            f'{owner}.load_state_dict: the state lacks {missing} (got keys {sorted(state)}); '
            f'pass a dict saved by {owner}.state_dict()')


def _rescale_position(num_yielded: int, old_world_size: int, new_world_size: int,
                      owner: str) -> int:
    """Per-rank position after a world size change, skipping rather than replaying."""
    if old_world_size == new_world_size:
        return num_yielded
    position = math.ceil(num_yielded * old_world_size / new_world_size)
    logger.warning('%s: resuming with world size %d instead of %d; continuing from '
                   'per-rank position %d (was %d)', owner, new_world_size, old_world_size,
                   position, num_yielded)
    return position


class _ConsumedPosition:
    """The position of the indices a training loop consumed, as opposed to those yielded.

    A ``DataLoader`` with workers takes indices ahead of the batches the loop has
    trained on. A loop that reports what it consumed (:meth:`report_consumed`, as
    ``MMDataModule`` does) gets that position in ``state_dict``, so a resume continues
    with the next batch it would have trained on. Without reports the position is
    the count of indices yielded.
    """

    _iter_start = 0
    _consumed: int | None = None

    def _start_iterator(self, start: int) -> None:
        self._iter_start = start
        self._consumed = None

    def report_consumed(self, num_indices: int) -> None:
        """Record that the training loop consumed ``num_indices`` more indices of the
        current iterator.

        Args:
            num_indices: Indices of the batch the loop took (the batch size).
        """
        self._consumed = (self._consumed or 0) + num_indices

    def _position(self, num_yielded: int) -> int:
        """``num_yielded``, or the consumed position when the loop reports it."""
        if self._consumed is None:
            return num_yielded
        return min(self._iter_start + self._consumed, num_yielded)


def _counting(sampler: DefaultSampler, indices: list[int]) -> Iterator[int]:
    for index in indices:
        sampler._num_yielded += 1
        yield index


@DATA_SAMPLERS.register_module()
class DefaultSampler(_ConsumedPosition, Sampler):
    """Sampler for one process or many (each rank takes every ``world_size``-th index).

    Each epoch uses ``torch.randperm`` with a generator seeded ``seed + epoch``
    (or ``0..N-1`` without shuffling). With ``round_up`` the list is padded by
    repeating it up to a multiple of the world size, so every rank gets the
    same number of samples; without it no sample is added or dropped.

    Args:
        dataset: The dataset (only its length is used).
        shuffle: Shuffle the indices each epoch.
        seed: Shuffling seed, the same on all ranks; ``None`` draws one on
            rank 0 and broadcasts it.
        round_up: Pad to a multiple of the world size.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None,
                 round_up: bool = True) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.round_up = round_up
        if round_up:
            self.num_samples = math.ceil(len(dataset) / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil((len(dataset) - self.rank) / self.world_size)
            self.total_size = len(dataset)
        self._num_yielded = 0
        # (epoch, position) from load_state_dict, used by the next iteration of that epoch
        self._restored: tuple[int, int] | None = None

    def _indices_of_rank(self) -> list[int]:
        size = len(self.dataset)
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = torch.randperm(size, generator=generator).tolist()
        else:
            indices = list(range(size))
        if self.round_up and indices:
            indices = (indices * (self.total_size // size + 1))[:self.total_size]
        return indices[self.rank:self.total_size:self.world_size]

    def __iter__(self) -> Iterator[int]:
        """Iterate this rank's indices, from the restored position if one is pending."""
        start = 0
        if self._restored is not None and self._restored[0] == self.epoch:
            start = self._restored[1]
        self._restored = None
        self._num_yielded = start
        self._start_iterator(start)
        return _counting(self, self._indices_of_rank()[start:])

    def __len__(self) -> int:
        """The number of indices of this rank in a full epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which changes the shuffle order.

        A position restored by :meth:`load_state_dict` is used by the next
        iteration if the epoch is then the restored one (Lightning may set a
        stale epoch before its loop state is restored, then the right one).
        """
        if epoch != self.epoch:
            self._num_yielded = 0
        self.epoch = epoch

    def state_dict(self) -> dict[str, int]:
        """The position: ``epoch``, ``seed``, ``num_yielded`` (by this rank this epoch)
        and ``world_size``; a restored position not yet iterated is returned as restored."""
        epoch, position = self._restored or (self.epoch, self._position(self._num_yielded))
        return dict(epoch=epoch, seed=self.seed, num_yielded=position,
                    world_size=self.world_size)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a position: the next iteration continues with the next index.

        Raises:
            KeyError: If a key of :meth:`state_dict` is missing.
        """
        _check_state(state_dict, ('epoch', 'seed', 'num_yielded'), type(self).__name__)
        self.epoch = int(state_dict['epoch'])
        self.seed = int(state_dict['seed'])
        position = _rescale_position(int(state_dict['num_yielded']),
                                     int(state_dict.get('world_size', self.world_size)),
                                     self.world_size, type(self).__name__)
        self._num_yielded = min(position, self.num_samples)
        self._restored = (self.epoch, self._num_yielded)


@DATA_SAMPLERS.register_module()
class InfiniteSampler(_ConsumedPosition, Sampler):
    """An endless stream of indices for iteration-based training.

    One generator seeded once with ``seed`` draws permutation after
    permutation; rank ``r`` takes items ``r, r + world_size, ...`` of the
    stream. Successive ``iter()`` calls continue the same stream.

    Args:
        dataset: The dataset (only its length is used).
        shuffle: Shuffle each pass over the dataset.
        seed: Seed, the same on all ranks; ``None`` draws one on rank 0 and
            broadcasts it.

    Raises:
        ValueError: If the dataset is empty (the stream would never yield).
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError('InfiniteSampler needs a non-empty dataset; got length 0. '
                             'Check the dataset config (ann_file, indices, filter_cfg).')
        self._num_yielded = 0
        self.indices = self._indices_of_rank()

    def _infinite_indices(self, skip: int = 0) -> Iterator[int]:
        """The global stream, starting after its first ``skip`` items."""
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        passes, offset = divmod(skip, self.size)
        for _ in range(passes if self.shuffle else 0):
            torch.randperm(self.size, generator=generator)
        while True:
            if self.shuffle:
                order = torch.randperm(self.size, generator=generator).tolist()
            else:
                order = list(range(self.size))
            yield from order[offset:]
            offset = 0

    def _indices_of_rank(self, num_yielded: int = 0) -> Iterator[int]:
        """This rank's slice of the stream, after its first ``num_yielded`` items."""
        start = self.rank + num_yielded * self.world_size
        yield from itertools.islice(self._infinite_indices(start), 0, None, self.world_size)

    def __iter__(self) -> Iterator[int]:
        """Continue this rank's stream."""
        self._start_iterator(self._num_yielded)
        for index in self.indices:
            self._num_yielded += 1
            yield index

    def __len__(self) -> int:
        """The dataset length (not the per-rank share), as in MMEngine."""
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Rewind the stream to the consumed position, if the training loop reports one.

        The stream has no epochs, but Lightning makes a new ``DataLoader`` iterator
        each epoch: the indices its workers took ahead would be lost, where MMEngine's
        single iterator trains on them. The next iterator continues with them.
        """
        position = self._position(self._num_yielded)
        if position != self._num_yielded:
            self._num_yielded = position
            self.indices = self._indices_of_rank(position)
            self._start_iterator(position)

    def state_dict(self) -> dict[str, int]:
        """The position: ``seed``, ``num_yielded`` (by this rank, in total) and
        ``world_size``."""
        return dict(seed=self.seed, num_yielded=self._position(self._num_yielded),
                    world_size=self.world_size)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a position: the next iteration continues with the next index.

        Raises:
            KeyError: If a key of :meth:`state_dict` is missing.
        """
        _check_state(state_dict, ('seed', 'num_yielded'), type(self).__name__)
        self.seed = int(state_dict['seed'])
        self._num_yielded = _rescale_position(
            int(state_dict['num_yielded']), int(state_dict.get('world_size', self.world_size)),
            self.world_size, type(self).__name__)
        self.indices = self._indices_of_rank(self._num_yielded)
        self._start_iterator(self._num_yielded)
