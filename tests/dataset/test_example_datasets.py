"""DigitsDataset (scikit-learn's digits) and GaussianMixtureDataset, the example configs' data."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from mmlightning.dataset import DigitsDataset, GaussianMixtureDataset
from mmlightning.dataset.digits import split_indices
from mmlightning.dataset.gaussian_mixture import ring_centers
from mmlightning.registry import DATASETS


def test_split_indices_partition_and_determinism() -> None:
    parts = {split: split_indices(100, split, 0.2, 0.1, seed=3) for split in ('train', 'val',
                                                                             'test')}
    assert [len(parts[s]) for s in ('train', 'val', 'test')] == [70, 20, 10]
    joined = np.concatenate(list(parts.values()))
    assert sorted(joined.tolist()) == list(range(100))
    assert np.array_equal(parts['val'], split_indices(100, 'val', 0.2, 0.1, seed=3))
    assert not np.array_equal(parts['val'], split_indices(100, 'val', 0.2, 0.1, seed=4))


@pytest.mark.parametrize('kwargs, match', [
    (dict(split='valid'), r"split='valid' is not one of \('train', 'val', 'test'\)"),
    (dict(val_ratio=1.5), r'val_ratio=1.5 must be in \[0, 1\)'),
    (dict(val_ratio=0.6, test_ratio=0.5), 'leave no training sample'),
])
def test_digits_bad_split_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DigitsDataset(**kwargs)


def test_digits_samples_splits_and_registry() -> None:
    pytest.importorskip('sklearn')
    sizes = {split: len(DigitsDataset(split=split)) for split in ('train', 'val', 'test')}
    assert sizes == {'train': 1257, 'val': 270, 'test': 270}
    dataset = DATASETS.build(dict(type='DigitsDataset', split='val',
                                  pipeline=[dict(type='PackInputs', meta_keys=('img_id',))]))
    assert dataset.metainfo['classes'] == tuple('0123456789')
    sample = dataset[0]
    assert sample['inputs'].shape == (1, 8, 8) and sample['inputs'].max() <= 16
    label = int(sample['data_samples'].gt_label)
    from sklearn.datasets import load_digits

    digits = load_digits()
    index = sample['data_samples'].img_id
    assert label == digits.target[index]
    assert np.array_equal(sample['inputs'][0].numpy(), digits.images[index].astype(np.float32))
    train = DigitsDataset(split='train')
    assert index not in {train.get_data_info(i)['img_id'] for i in range(len(train))}


def test_digits_without_sklearn_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, 'sklearn.datasets', None)
    dataset = DigitsDataset(lazy_init=True)
    with pytest.raises(ImportError, match=r"pip install 'mmlightning\[examples\]'"):
        dataset.full_init()


def test_gaussian_mixture_points_near_their_centres() -> None:
    dataset = GaussianMixtureDataset(num_samples=400, num_modes=4, radius=3.0, std=0.1, seed=2)
    centers = ring_centers(4, 3.0)
    assert np.allclose(np.linalg.norm(centers, axis=1), 3.0)
    assert dataset.metainfo['centers'] == centers.tolist() and dataset.metainfo['std'] == 0.1
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    offsets = np.stack([info['point'] - centers[info['mode']] for info in infos])
    assert offsets.std() == pytest.approx(0.1, rel=0.15) and abs(offsets.mean()) < 0.03
    assert set(info['mode'] for info in infos) == {0, 1, 2, 3}
    again = GaussianMixtureDataset(num_samples=400, num_modes=4, radius=3.0, std=0.1, seed=2)
    assert np.array_equal(again.get_data_info(7)['point'], infos[7]['point'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_samples=0), 'num_samples=0 must be a positive integer'),
    (dict(num_modes=2.5), 'num_modes=2.5 must be a positive integer'),
    (dict(std=-1.0), r'std=-1.0 must be >= 0'),
])
def test_gaussian_mixture_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GaussianMixtureDataset(**kwargs)
