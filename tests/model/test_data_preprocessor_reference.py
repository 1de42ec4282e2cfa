"""ImgDataPreprocessor and stack_batch outputs compared with MMEngine 0.10.7."""
import pytest
import torch

from mmlightning.model import BaseDataPreprocessor, ImgDataPreprocessor, stack_batch

mmengine_model = pytest.importorskip('mmengine.model')

CONFIGS = [
    dict(),
    dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    dict(mean=[10.0], std=[3.0], pad_size_divisor=8, pad_value=-2),
    dict(mean=[1, 2, 3], std=[4, 5, 6], pad_size_divisor=32, rgb_to_bgr=True, pad_value=7),
]


def _images():
    torch.manual_seed(0)
    return [torch.randint(0, 256, (3, h, w), dtype=torch.uint8)
            for h, w in ((5, 9), (12, 4), (7, 7))]


@pytest.mark.parametrize('cfg', CONFIGS)
def test_img_preprocessor_list_matches_mmengine(cfg):
    images = _images()
    samples = ['a', 'b', 'c']
    out = ImgDataPreprocessor(**cfg)(dict(inputs=list(images), data_samples=samples), True)
    ref = mmengine_model.ImgDataPreprocessor(**cfg)(
        dict(inputs=list(images), data_samples=samples), True)
    torch.testing.assert_close(out['inputs'], ref['inputs'], rtol=0, atol=0)
    assert out['data_samples'] == ref['data_samples']


@pytest.mark.parametrize('cfg', CONFIGS)
def test_img_preprocessor_tensor_matches_mmengine(cfg):
    torch.manual_seed(1)
    batch = torch.randint(0, 256, (2, 3, 6, 11), dtype=torch.uint8)
    out = ImgDataPreprocessor(**cfg)(dict(inputs=batch.clone()))
    ref = mmengine_model.ImgDataPreprocessor(**cfg)(dict(inputs=batch.clone()))
    torch.testing.assert_close(out['inputs'], ref['inputs'], rtol=0, atol=0)
    assert out['data_samples'] is ref['data_samples'] is None


def test_base_preprocessor_matches_mmengine():
    data = dict(inputs=[torch.ones(2)], data_samples=('x', None), meta={'k': [torch.zeros(1)]})
    out = BaseDataPreprocessor()(data)
    ref = mmengine_model.BaseDataPreprocessor()(data)
    assert type(out['data_samples']) is type(ref['data_samples'])
    assert out['data_samples'] == ref['data_samples']
    torch.testing.assert_close(out['meta']['k'][0], ref['meta']['k'][0])


@pytest.mark.parametrize('divisor, value', [(1, 0), (4, -1.5), (5, 3)])
def test_stack_batch_matches_mmengine(divisor, value):
    torch.manual_seed(2)
    tensors = [torch.randn(2, 3, 5, 4), torch.randn(2, 6, 2, 4), torch.randn(2, 1, 1, 1)]
    torch.testing.assert_close(stack_batch(tensors, divisor, value),
                               mmengine_model.stack_batch(tensors, divisor, value))
