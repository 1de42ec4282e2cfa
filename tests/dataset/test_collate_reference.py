"""pseudo_collate / default_collate outputs compared with mmengine 0.10.7."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch

from mmlightning.dataset import default_collate, pseudo_collate

pytest.importorskip('mmengine')
mme_utils = pytest.importorskip('mmengine.dataset.utils')
mme_structures = pytest.importorskip('mmengine.structures')

Pair = namedtuple('Pair', ['a', 'b'])


def _assert_same(ours, theirs):
    assert type(ours) is type(theirs)
    if isinstance(ours, torch.Tensor):
        assert ours.dtype == theirs.dtype and torch.equal(ours, theirs)
    elif isinstance(ours, np.ndarray):
        np.testing.assert_array_equal(ours, theirs)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs)
        for key in ours:
            _assert_same(ours[key], theirs[key])
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for mine, other in zip(ours, theirs):
            _assert_same(mine, other)
    else:
        assert ours is theirs or ours == theirs


def _batches():
    element = [mme_structures.BaseDataElement(label=torch.tensor([i])) for i in range(2)]
    yield [dict(inputs=torch.ones(3) * i, data_samples=element[i]) for i in range(2)]
    yield [dict(x=i, y=float(i), s=f'n{i}', b=b'b', arr=np.arange(3) * i,
                nested=dict(t=(i, [i, i + 1]), p=Pair(i, torch.zeros(2))))
           for i in range(3)]
    yield [(torch.ones(2), 1), (torch.zeros(2), 2)]
    yield [[1, [2, 3]], [4, [5, 6]]]
    yield [Pair(np.ones(2), 'x'), Pair(np.zeros(2), 'y')]
    yield [range(3), range(3)]
    yield [torch.tensor(1.5), torch.tensor(2.5)]


@pytest.mark.parametrize('batch', list(_batches()))
def test_pseudo_collate_matches_mmengine(batch):
    _assert_same(pseudo_collate(batch), mme_utils.pseudo_collate(batch))


@pytest.mark.parametrize('batch', list(_batches()))
def test_default_collate_matches_mmengine(batch):
    _assert_same(default_collate(batch), mme_utils.default_collate(batch))
