from collections import namedtuple

import pytest
import torch
import torch.nn.functional as F

from mmlightning.model import BaseDataPreprocessor, ImgDataPreprocessor
from mmlightning.registry import MODELS


class FakeElement:
    """A BaseDataElement-like object: has ``.to(device, non_blocking=...)``."""

    def __init__(self):
        self.calls = []

    def to(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self


def test_cast_data_recurses_and_keeps_container_types():
    pre = BaseDataPreprocessor(non_blocking=True)
    pre.to('meta')
    Pair = namedtuple('Pair', ['a', 'b'])
    element = FakeElement()
    data = dict(inputs=[torch.ones(2), (torch.zeros(1), 'name')], pair=Pair(torch.ones(1), None),
                meta=dict(path='x.jpg', raw=b'\x00', n=3, sample=element))
    out = pre(data)
    assert out['inputs'][0].device.type == 'meta'
    assert isinstance(out['inputs'][1], tuple) and out['inputs'][1][1] == 'name'
    assert out['inputs'][1][0].device.type == 'meta'
    assert isinstance(out['pair'], Pair) and out['pair'].a.device.type == 'meta'
    assert out['pair'].b is None
    assert out['meta']['path'] == 'x.jpg' and out['meta']['raw'] == b'\x00'
    assert out['meta']['n'] == 3
    assert element.calls == [((torch.device('meta'),), dict(non_blocking=True))]


def test_device_follows_to_and_cpu():
    pre = BaseDataPreprocessor()
    assert pre.device == torch.device('cpu')
    pre.to(torch.device('meta'))
    assert pre.device == torch.device('meta')
    pre.to(torch.float16)
    assert pre.device == torch.device('meta')
    pre.cpu()
    assert pre.device == torch.device('cpu')


def test_cuda_sets_current_cuda_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'current_device', lambda: 0)
    pre = BaseDataPreprocessor()  # no tensors: nothing is moved on CPU-only builds
    pre.cuda()
    assert pre.device == torch.device('cuda', 0)


def test_registered():
    assert MODELS.get('BaseDataPreprocessor') is BaseDataPreprocessor
    assert MODELS.get('ImgDataPreprocessor') is ImgDataPreprocessor


def _reference(images, mean, std, divisor, pad_value, flip):
    """ImgDataPreprocessor's maths written out: flip, float, normalise, pad right/bottom."""
    out = []
    h = max(img.shape[1] for img in images)
    w = max(img.shape[2] for img in images)
    h = -(-h // divisor) * divisor
    w = -(-w // divisor) * divisor
    for img in images:
        img = img[[2, 1, 0]] if flip else img
        img = (img.float() - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
        out.append(F.pad(img, (0, w - img.shape[2], 0, h - img.shape[1]), value=pad_value))
    return torch.stack(out)


def test_img_preprocessor_list_of_different_sizes():
    torch.manual_seed(0)
    images = [torch.randint(0, 256, (3, 5, 7), dtype=torch.uint8),
              torch.randint(0, 256, (3, 9, 4), dtype=torch.uint8)]
    pre = ImgDataPreprocessor(mean=[10, 20, 30], std=[2, 4, 8], pad_size_divisor=4,
                              pad_value=-1, bgr_to_rgb=True)
    out = pre(dict(inputs=images, data_samples=['a', 'b']))
    assert out['inputs'].shape == (2, 3, 12, 8) and out['inputs'].dtype == torch.float32
    torch.testing.assert_close(out['inputs'],
                               _reference(images, [10, 20, 30], [2, 4, 8], 4, -1, True))
    assert out['data_samples'] == ['a', 'b']


def test_img_preprocessor_nchw_tensor_and_gray():
    batch = torch.arange(2 * 1 * 3 * 5, dtype=torch.float32).view(2, 1, 3, 5)
    pre = ImgDataPreprocessor(mean=[1.0], std=[2.0], pad_size_divisor=4, pad_value=9)
    out = pre(dict(inputs=batch))
    expected = F.pad((batch - 1) / 2, (0, 3, 0, 1), value=9)
    torch.testing.assert_close(out['inputs'], expected)
    assert out['data_samples'] is None


def test_img_preprocessor_tensor_channel_flip_without_normalise():
    batch = torch.arange(24, dtype=torch.uint8).view(1, 3, 2, 4)
    out = ImgDataPreprocessor(rgb_to_bgr=True)(dict(inputs=batch))['inputs']
    torch.testing.assert_close(out, batch[:, [2, 1, 0]].float())


def test_img_preprocessor_same_size_list_is_stacked():
    images = [torch.ones(3, 2, 2), torch.zeros(3, 2, 2)]
    out = ImgDataPreprocessor()(dict(inputs=images))['inputs']
    torch.testing.assert_close(out, torch.stack(images))


@pytest.mark.parametrize('kwargs, match', [
    (dict(mean=[1, 2, 3]), 'got mean but no std'),
    (dict(std=[1, 2, 3]), 'got std but no mean'),
    (dict(mean=[1, 2], std=[1, 2, 3]), r'`mean` should have 1 or 3 values.*got 2 values: \[1, 2\]'),
    (dict(mean=[1], std=[1, 2, 3, 4]), '`std` should have 1 or 3 values'),
    (dict(bgr_to_rgb=True, rgb_to_bgr=True), 'cannot be set to True at the same time'),
])
def test_img_preprocessor_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match) as err:
        ImgDataPreprocessor(**kwargs)
    assert isinstance(err.value, AssertionError)  # MMEngine asserted: callers catching that work


def test_img_preprocessor_bad_inputs():
    pre = ImgDataPreprocessor(mean=[1, 2, 3], std=[1, 1, 1])
    with pytest.raises(AssertionError, match=r'mean has 3 values.*\(1, 4, 4\)'):
        pre(dict(inputs=[torch.ones(1, 4, 4)]))
    with pytest.raises(ValueError, match=r'NCHW tensor.*\(3, 4, 4\)') as err:
        pre(dict(inputs=torch.ones(3, 4, 4)))
    assert isinstance(err.value, AssertionError)
    with pytest.raises(TypeError, match=r"data\['inputs'\] to be a list.*got str"):
        pre(dict(inputs='img.jpg'))


def test_img_preprocessor_mean_std_are_non_persistent_buffers():
    pre = ImgDataPreprocessor(mean=[1, 2, 3], std=[4, 5, 6])
    assert pre.mean.shape == (3, 1, 1) and pre.std.shape == (3, 1, 1)
    assert 'mean' not in pre.state_dict()


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_img_preprocessor_on_gpu():
    pre = ImgDataPreprocessor(mean=[1, 2, 3], std=[2, 2, 2], non_blocking=True).cuda()
    images = [torch.ones(3, 4, 5), torch.zeros(3, 6, 2)]
    out = pre(dict(inputs=images))
    assert out['inputs'].device.type == 'cuda'
    torch.testing.assert_close(out['inputs'].cpu(), _reference(images, [1, 2, 3], [2, 2, 2], 1,
                                                               0, False))
