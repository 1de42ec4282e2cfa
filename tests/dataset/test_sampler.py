"""DefaultSampler and InfiniteSampler: order, rank sharding, seeds and resumable state."""
from __future__ import annotations

import itertools

import pytest
import torch

from mmlightning.dataset import DefaultSampler, InfiniteSampler
from mmlightning.dataset import sampler as sampler_module
from mmlightning.registry import DATA_SAMPLERS


def _as_rank(monkeypatch, rank: int, world_size: int) -> None:
    monkeypatch.setattr(sampler_module, 'get_dist_info', lambda: (rank, world_size))


def _randperm(n: int, seed: int) -> list[int]:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


def test_default_sampler_order_is_randperm_of_seed_plus_epoch():
    sampler = DefaultSampler(list(range(10)), seed=7)
    assert list(sampler) == _randperm(10, 7)
    sampler.set_epoch(3)
    assert list(sampler) == _randperm(10, 10)
    assert list(sampler) == list(sampler)
    assert len(sampler) == 10
    assert list(DefaultSampler(range(5), shuffle=False, seed=0)) == [0, 1, 2, 3, 4]


def test_default_sampler_is_built_from_config():
    sampler = DATA_SAMPLERS.build(dict(type='DefaultSampler', shuffle=False),
                                  default_args=dict(dataset=range(4), seed=1))
    assert isinstance(sampler, DefaultSampler) and list(sampler) == [0, 1, 2, 3]


def test_unknown_sampler_type_suggests_a_name():
    with pytest.raises(KeyError, match="Did you mean 'DefaultSampler'"):
        DATA_SAMPLERS.build(dict(type='DefaultSamplr'), default_args=dict(dataset=range(3)))


def test_seed_none_uses_the_synced_seed(monkeypatch):
    monkeypatch.setattr(sampler_module, 'sync_random_seed', lambda: 1234)
    assert DefaultSampler(range(3)).seed == 1234
    assert InfiniteSampler(range(3)).seed == 1234


@pytest.mark.parametrize('size, world_size', [(10, 3), (9, 3), (2, 4)])
def test_round_up_pads_and_interleaves_ranks(monkeypatch, size, world_size):
    per_rank = []
    for rank in range(world_size):
        _as_rank(monkeypatch, rank, world_size)
        sampler = DefaultSampler(range(size), seed=5)
        per_rank.append(list(sampler))
        assert len(sampler) == len(per_rank[-1]) == -(-size // world_size)
    order = _randperm(size, 5)
    padded = (order * (world_size + 1))[:len(per_rank[0]) * world_size]
    assert [padded[rank::world_size] for rank in range(world_size)] == per_rank


def test_without_round_up_nothing_is_added(monkeypatch):
    per_rank = []
    for rank in range(3):
        _as_rank(monkeypatch, rank, 3)
        sampler = DefaultSampler(range(10), shuffle=False, round_up=False, seed=0)
        per_rank.append(list(sampler))
        assert len(sampler) == len(per_rank[-1])
    assert per_rank == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]


def test_empty_dataset_yields_nothing():
    assert list(DefaultSampler([], seed=0)) == []
    with pytest.raises(ValueError, match='non-empty dataset'):
        InfiniteSampler([], seed=0)


def test_default_sampler_resumes_mid_epoch():
    sampler = DefaultSampler(range(12), seed=3)
    sampler.set_epoch(2)
    full = list(sampler)
    iterator = iter(sampler)
    seen = [next(iterator) for _ in range(5)]
    state = sampler.state_dict()
    assert state == dict(epoch=2, seed=3, num_yielded=5, world_size=1)

    restored = DefaultSampler(range(12), seed=999)
    restored.load_state_dict(state)
    assert restored.state_dict() == state
    restored.set_epoch(2)  # the loop sets the same epoch again on resume: position kept
    rest = list(restored)
    assert seen + rest == full
    assert restored.state_dict()['num_yielded'] == 12
    assert list(restored) == full  # the next iteration starts a fresh pass


def test_set_epoch_to_another_epoch_drops_the_restored_position():
    sampler = DefaultSampler(range(6), seed=0)
    sampler.load_state_dict(dict(epoch=1, seed=0, num_yielded=4))
    sampler.set_epoch(2)
    assert list(sampler) == _randperm(6, 2)


def test_default_sampler_resume_with_another_world_size(monkeypatch):
    _as_rank(monkeypatch, 0, 2)
    state = dict(epoch=0, seed=1, num_yielded=3, world_size=2)  # 6 samples consumed globally
    _as_rank(monkeypatch, 1, 3)
    sampler = DefaultSampler(range(12), seed=1)
    sampler.load_state_dict(state)
    order = _randperm(12, 1)
    assert list(sampler) == order[1::3][2:]  # per-rank position 6 / 3 = 2


def test_load_state_dict_requires_its_keys():
    with pytest.raises(KeyError, match=r"lacks \['num_yielded'\]"):
        DefaultSampler(range(3), seed=0).load_state_dict(dict(epoch=0, seed=0))
    with pytest.raises(KeyError, match=r"lacks \['seed'\]"):
        InfiniteSampler(range(3), seed=0).load_state_dict(dict(num_yielded=1))


def _stream(size: int, seed: int, shuffle: bool = True):
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from (torch.randperm(size, generator=generator).tolist() if shuffle
                    else range(size))


@pytest.mark.parametrize('shuffle', [True, False])
def test_infinite_sampler_stream_and_rank_slices(monkeypatch, shuffle):
    for rank in range(2):
        _as_rank(monkeypatch, rank, 2)
        sampler = InfiniteSampler(range(5), shuffle=shuffle, seed=4)
        first = list(itertools.islice(iter(sampler), 7))
        second = list(itertools.islice(iter(sampler), 6))  # iter() continues the stream
        expected = list(itertools.islice(_stream(5, 4, shuffle), rank, 2 * 13, 2))
        assert first + second == expected
        assert len(sampler) == 5
        sampler.set_epoch(9)
        assert list(itertools.islice(iter(sampler), 1)) == \
            list(itertools.islice(_stream(5, 4, shuffle), rank + 26, rank + 27))


@pytest.mark.parametrize('consumed', [0, 3, 5, 11])
def test_infinite_sampler_resumes(monkeypatch, consumed):
    _as_rank(monkeypatch, 1, 2)
    sampler = InfiniteSampler(range(4), seed=8)
    reference = list(itertools.islice(iter(InfiniteSampler(range(4), seed=8)), consumed + 10))
    list(itertools.islice(iter(sampler), consumed))
    state = sampler.state_dict()
    assert state == dict(seed=8, num_yielded=consumed, world_size=2)
    restored = InfiniteSampler(range(4), seed=0)
    restored.load_state_dict(state)
    assert list(itertools.islice(iter(restored), 10)) == reference[consumed:]


def test_reported_consumption_is_the_saved_position():
    sampler = DefaultSampler(list(range(10)), seed=3)
    taken = list(itertools.islice(iter(sampler), 6))  # a DataLoader's workers ran ahead
    assert sampler.state_dict()['num_yielded'] == 6  # nothing reported: what was yielded
    sampler.report_consumed(2)
    sampler.report_consumed(2)
    assert sampler.state_dict()['num_yielded'] == 4
    resumed = DefaultSampler(list(range(10)), seed=3)
    resumed.load_state_dict(sampler.state_dict())
    assert list(resumed)[:2] == taken[4:6]
    sampler.report_consumed(9)
    assert sampler.state_dict()['num_yielded'] == 6  # never past what was handed out


def test_infinite_sampler_rewinds_to_the_consumed_position_at_a_new_epoch():
    """Lightning makes a new iterator each epoch; MMEngine's one iterator loses nothing."""
    stream = list(itertools.islice(iter(InfiniteSampler(list(range(5)), seed=1)), 9))
    sampler = InfiniteSampler(list(range(5)), seed=1)
    assert list(itertools.islice(iter(sampler), 6)) == stream[:6]  # 2 batches fetched ahead
    sampler.report_consumed(4)
    assert sampler.state_dict()['num_yielded'] == 4
    sampler.set_epoch(1)
    assert list(itertools.islice(iter(sampler), 5)) == stream[4:9]
    resumed = InfiniteSampler(list(range(5)), seed=1)
    resumed.load_state_dict(dict(seed=1, num_yielded=4))
    resumed.set_epoch(1)  # nothing consumed from the restored position: no rewind
    assert list(itertools.islice(iter(resumed), 2)) == stream[4:6]
