"""pseudo_collate, default_collate and worker_init_fn."""
from __future__ import annotations

import random
from collections import namedtuple

import numpy as np
import pytest
import torch

from mmlightning.dataset import COLLATE_FUNCTIONS, default_collate, pseudo_collate, worker_init_fn
from mmlightning.registry import FUNCTIONS

Point = namedtuple('Point', ['x', 'y'])


def _batch():
    return [dict(inputs=torch.full((2,), float(i)), label=i, name=f's{i}', arr=np.ones(2) * i,
                 pair=(i, i + 1), seq=[i, [i * 10]], point=Point(i, -i),
                 meta=dict(shape=(3, 4))) for i in range(2)]


def test_pseudo_collate_transposes_without_stacking():
    batch = _batch()
    out = pseudo_collate(batch)
    assert isinstance(out['inputs'], list) and out['inputs'][1] is batch[1]['inputs']
    assert out['label'] == [0, 1] and out['name'] == ['s0', 's1']
    assert out['arr'][1] is batch[1]['arr']
    # a tuple becomes a list (as in torch) of the per-position leaves, which stay the
    # tuples that zip() made
    assert out['pair'] == [(0, 1), (1, 2)]
    assert out['seq'] == [(0, 1), [(0, 10)]]
    assert out['point'] == Point((0, 1), (0, -1)) and isinstance(out['point'], Point)
    assert out['meta'] == dict(shape=[(3, 3), (4, 4)])
    assert pseudo_collate(['a', 'b']) == ['a', 'b']


def test_default_collate_stacks_leaves():
    out = default_collate(_batch())
    assert torch.equal(out['inputs'], torch.tensor([[0., 0.], [1., 1.]]))
    assert torch.equal(out['label'], torch.tensor([0, 1]))
    assert out['name'] == ['s0', 's1']
    assert out['arr'].dtype == torch.float64 and out['arr'].shape == (2, 2)
    assert [t.tolist() for t in out['pair']] == [[0, 1], [1, 2]]
    assert isinstance(out['point'], Point) and out['point'].y.tolist() == [0, -1]
    assert [t.tolist() for t in out['meta']['shape']] == [[3, 3], [4, 4]]


def test_default_collate_keeps_data_elements_as_lists():
    structures = pytest.importorskip('mmlightning.structures')
    samples = [structures.BaseDataElement(gt_label=torch.tensor([i])) for i in range(2)]
    batch = [dict(inputs=torch.zeros(1), data_samples=s) for s in samples]
    for collate in (pseudo_collate, default_collate):
        out = collate(batch)
        assert out['data_samples'] == samples
        assert out['data_samples'][0] is samples[0]


def test_sequences_of_different_lengths_are_rejected():
    for collate in (pseudo_collate, default_collate):
        with pytest.raises(RuntimeError, match=r'equal size \(got lengths \[2, 1\]\)'):
            collate([[1, 2], [3]])


def test_unstackable_tensors_raise_in_default_collate():
    with pytest.raises(RuntimeError):
        default_collate([torch.zeros(2), torch.zeros(3)])
    assert len(pseudo_collate([torch.zeros(2), torch.zeros(3)])) == 2


def test_range_items_fall_back_to_lists():
    assert pseudo_collate([range(2), range(2)]) == [(0, 0), (1, 1)]


def test_collate_functions_are_registered():
    assert COLLATE_FUNCTIONS is FUNCTIONS
    assert FUNCTIONS.get('pseudo_collate') is pseudo_collate
    assert FUNCTIONS.get('default_collate') is default_collate
    assert FUNCTIONS.get('worker_init_fn') is worker_init_fn


def test_worker_init_fn_seeds_all_generators():
    worker_init_fn(worker_id=1, num_workers=4, rank=2, seed=10)  # 4 * 2 + 1 + 10 = 19
    seeded = (np.random.rand(), random.random(), torch.rand(1).item())
    np.random.seed(19)
    random.seed(19)
    torch.manual_seed(19)
    assert seeded == (np.random.rand(), random.random(), torch.rand(1).item())
