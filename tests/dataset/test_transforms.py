"""to_tensor, ToTensor and PackInputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.dataset import PackInputs, ToTensor, to_tensor
from mmlightning.registry import TRANSFORMS


def test_to_tensor_conversions():
    array = np.arange(3)
    assert to_tensor(array).data_ptr() == torch.from_numpy(array).data_ptr()
    tensor = torch.ones(2)
    assert to_tensor(tensor) is tensor
    assert to_tensor([1, 2]).tolist() == [1, 2]
    assert to_tensor(3).dtype == torch.int64 and to_tensor(3).tolist() == [3]
    assert to_tensor(0.5).dtype == torch.float32
    with pytest.raises(TypeError, match="cannot convert str to a tensor: 'x'"):
        to_tensor('x')


def test_to_tensor_transform():
    transform = TRANSFORMS.build(dict(type='ToTensor', keys=['a', 'b']))
    out = transform(dict(a=[1], b=np.zeros(2), c='keep'))
    assert isinstance(out['a'], torch.Tensor) and isinstance(out['b'], torch.Tensor)
    assert out['c'] == 'keep'
    with pytest.raises(KeyError, match="has no key 'z'"):
        ToTensor('z')(dict(a=1))


def test_pack_inputs():
    structures = pytest.importorskip('mmlightning.structures')
    packer = TRANSFORMS.build(dict(type='PackInputs', input_key='x'))
    out = packer(dict(x=np.ones((2, 2), dtype=np.float32), gt_label=1, sample_idx=4,
                      img_path='a.jpg', extra='dropped'))
    assert set(out) == {'inputs', 'data_samples'}
    assert torch.equal(out['inputs'], torch.ones(2, 2))
    sample = out['data_samples']
    assert isinstance(sample, structures.BaseDataElement)
    assert sample.gt_label.tolist() == [1]
    assert sample.metainfo == dict(sample_idx=4, img_path='a.jpg')
    with pytest.raises(KeyError, match="has no key 'img'"):
        PackInputs()(dict(x=1))
