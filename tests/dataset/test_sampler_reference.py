"""DefaultSampler / InfiniteSampler index orders compared with mmengine 0.10.7."""
from __future__ import annotations

import itertools

import pytest

from mmlightning.dataset import DefaultSampler, InfiniteSampler
from mmlightning.dataset import sampler as our_module

pytest.importorskip('mmengine')
mme_sampler = pytest.importorskip('mmengine.dataset.sampler')


def _as_rank(monkeypatch, rank: int, world_size: int) -> None:
    for module in (our_module, mme_sampler):
        monkeypatch.setattr(module, 'get_dist_info', lambda: (rank, world_size))


@pytest.mark.parametrize('size', [1, 7, 12])
@pytest.mark.parametrize('world_size', [1, 2, 3, 5])
@pytest.mark.parametrize('shuffle, round_up', [(True, True), (False, True), (True, False),
                                               (False, False)])
def test_default_sampler_matches_mmengine(monkeypatch, size, world_size, shuffle, round_up):
    for rank, seed, epoch in itertools.product(range(world_size), (0, 42), (0, 3)):
        _as_rank(monkeypatch, rank, world_size)
        kwargs = dict(shuffle=shuffle, seed=seed, round_up=round_up)
        ours = DefaultSampler(range(size), **kwargs)
        theirs = mme_sampler.DefaultSampler(range(size), **kwargs)
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@pytest.mark.parametrize('size, world_size', [(1, 1), (5, 2), (8, 3)])
@pytest.mark.parametrize('shuffle', [True, False])
def test_infinite_sampler_matches_mmengine(monkeypatch, size, world_size, shuffle):
    for rank, seed in itertools.product(range(world_size), (0, 9)):
        _as_rank(monkeypatch, rank, world_size)
        ours = InfiniteSampler(range(size), shuffle=shuffle, seed=seed)
        theirs = mme_sampler.InfiniteSampler(range(size), shuffle=shuffle, seed=seed)
        n = 3 * size + 1
        stream = iter(theirs)  # keep it: dropping mmengine's iterator closes its stream
        expected = list(itertools.islice(stream, 2 * n))
        assert list(itertools.islice(iter(ours), n)) == expected[:n]
        assert list(itertools.islice(iter(ours), n)) == expected[n:]
        assert len(ours) == len(theirs)


def test_dropped_iterator_does_not_end_the_stream_unlike_mmengine(monkeypatch):
    # Deliberate difference: mmengine's __iter__ is `yield from self.indices`, so closing an
    # abandoned iterator (Lightning makes a new one each epoch) closes the shared stream.
    _as_rank(monkeypatch, 0, 1)
    theirs = mme_sampler.InfiniteSampler(range(4), seed=1)
    ours = InfiniteSampler(range(4), seed=1)
    first = list(itertools.islice(iter(theirs), 3))
    assert list(itertools.islice(iter(theirs), 3)) == []
    assert list(itertools.islice(iter(ours), 3)) == first
    assert len(list(itertools.islice(iter(ours), 3))) == 3


def test_restored_default_sampler_continues_mmengine_order(monkeypatch):
    _as_rank(monkeypatch, 1, 2)
    theirs = mme_sampler.DefaultSampler(range(11), seed=5)
    theirs.set_epoch(4)
    ours = DefaultSampler(range(11))
    ours.load_state_dict(dict(epoch=4, seed=5, num_yielded=2, world_size=2))
    assert list(ours) == list(theirs)[2:]
