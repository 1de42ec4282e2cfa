"""Tests for PixelData: shared H x W, channel dimension, cropping."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mmlightning.structures import PixelData


def make_pixels() -> PixelData:
    return PixelData(metainfo=dict(img_id=1), seg=torch.arange(60).view(3, 4, 5),
                     depth=np.arange(20).reshape(1, 4, 5))


def test_shape_is_height_and_width():
    assert PixelData().shape is None
    assert PixelData(metainfo=dict(img_shape=(2, 2))).shape is None
    assert make_pixels().shape == (4, 5)


def test_two_dim_values_gain_a_channel_dim():
    pixels = make_pixels()
    with pytest.warns(UserWarning, match=r'PixelData.mask: the shape of value will convert from '
                                         r'\(4, 5\) to \(1, 4, 5\)'):
        pixels.mask = torch.ones(4, 5)
    assert pixels.mask.shape == (1, 4, 5)
    with pytest.warns(UserWarning, match='PixelData.first'):
        first = PixelData(first=np.zeros((2, 3)))
    assert first.first.shape == (1, 2, 3) and first.shape == (2, 3)


def test_values_must_be_tensors_or_arrays():
    with pytest.raises(TypeError, match='PixelData.seg must be a torch.Tensor or np.ndarray, but '
                                        r'got list. .*set_metainfo\(\)'):
        PixelData(seg=[[1, 2]])


def test_values_must_share_height_and_width():
    pixels = make_pixels()
    with pytest.raises(ValueError, match=r"PixelData.mask has height and width \(4, 6\), but the "
                                         r"other fields \['seg', 'depth'\] have \(4, 5\)"):
        pixels.mask = torch.zeros(1, 4, 6)
    assert 'mask' not in pixels


@pytest.mark.parametrize('shape', [(5,), (1, 1, 4, 5)])
def test_values_must_be_two_or_three_dimensional(shape):
    with pytest.raises(AssertionError, match=r'PixelData.x must have 2 \(H, W\) or 3 \(C, H, W\) '
                                             'dimensions, but got shape'):
        PixelData(x=torch.zeros(shape))


@pytest.mark.parametrize('index, rows, cols', [
    ((slice(1, 3), slice(0, 5, 2)), [1, 2], [0, 2, 4]),
    ((2, 3), [2], [3]),
    ((-1, slice(None)), [3], [0, 1, 2, 3, 4]),
    ((slice(None), -5), [0, 1, 2, 3], [0]),
])
def test_getitem_crops_every_field(index, rows, cols):
    pixels = make_pixels()
    cropped = pixels[index]
    assert type(cropped) is PixelData and cropped.metainfo == {'img_id': 1}
    assert cropped.shape == (len(rows), len(cols))
    assert torch.equal(cropped.seg, pixels.seg[:, rows][:, :, cols])
    np.testing.assert_array_equal(cropped.depth, pixels.depth[:, rows][:, :, cols])


def test_getitem_errors():
    pixels = make_pixels()
    with pytest.raises(TypeError, match=r"Unsupported type <class 'slice'> for slicing "
                                        r'PixelData; index it with \[rows, cols\]'):
        pixels[1:2]
    with pytest.raises(ValueError, match='PixelData can only be sliced along height and width '
                                         r'\(\[rows, cols\]\), but got 3 indices'):
        pixels[0, 0, 0]
    with pytest.raises(TypeError, match='The type of element in input must be int or slice, but '
                                        "got <class 'list'> for the width"):
        pixels[0, [1]]
    with pytest.raises(TypeError, match="but got <class 'float'> for the height"):
        pixels[1.0, 0]
    with pytest.raises(IndexError, match='Index 4 is out of range for the height 4 of PixelData'):
        pixels[4, 0]
    with pytest.raises(IndexError, match='Index -6 is out of range for the width 5'):
        pixels[0, -6]


def test_tensor_methods_keep_pixel_constraints():
    pixels = make_pixels()
    as_numpy = pixels.numpy()
    assert type(as_numpy) is PixelData and isinstance(as_numpy.seg, np.ndarray)
    back = as_numpy.to_tensor()
    assert isinstance(back.depth, torch.Tensor) and back.shape == (4, 5)
    assert pixels.to(torch.float16).seg.dtype == torch.float16
