"""masked_im2col / masked_col2im kernels through mmcv's MaskedConv2d."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F


@pytest.mark.parametrize('kernel,padding', [(3, 1), (1, 0), (5, 2)])
def test_masked_conv_is_the_convolution_at_the_masked_pixels(mmcv_ops, kernel, padding):
    torch.manual_seed(0)
    conv = mmcv_ops.MaskedConv2d(3, 4, kernel, padding=padding)
    features = torch.randn(1, 3, 6, 7)
    mask = (torch.rand(1, 6, 7) > 0.5).float()
    expected = F.conv2d(features, conv.weight, conv.bias, padding=padding) * (mask > 0)
    torch.testing.assert_close(conv(features, mask), expected, rtol=1e-5, atol=1e-5)


def test_an_empty_mask_gives_zeros(mmcv_ops):
    conv = mmcv_ops.MaskedConv2d(2, 2, 3, padding=1)
    assert conv(torch.randn(1, 2, 4, 4), torch.zeros(1, 4, 4)).abs().sum() == 0
