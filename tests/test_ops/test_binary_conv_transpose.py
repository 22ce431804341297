# Copyright (c) mmbin contributors. All rights reserved.
"""Binary transposed convolutions (BiDense up-sampling)."""
import pytest
import torch
import torch.nn.functional as F
from mmcv.cnn import build_upsample_layer

from mmbin.analysis import analyze_complexity
from mmbin.ops import (DAB, BiDenseConvTranspose2d, BinaryConvTranspose2d,
                       binary_sign, channel_adaptive_bypass)


def test_xnor_scale_is_per_output_channel_with_groups():
    torch.manual_seed(0)
    conv = BinaryConvTranspose2d(
        4, 6, 2, stride=2, groups=2, bias=False,
        weight_binarizer=dict(type='XNORWeight'))
    w = conv.weight.detach()  # (C_in=4, C_out/g=3, 2, 2)
    ref_w = torch.empty_like(w)
    for o in range(6):
        grp, j = divmod(o, 3)
        block = w[grp * 2:(grp + 1) * 2, j]  # the inputs feeding output o
        ref_w[grp * 2:(grp + 1) * 2, j] = block.abs().mean() * \
            binary_sign(block)
    assert torch.allclose(conv.binary_weight(), ref_w, atol=1e-7)
    x = torch.randn(2, 4, 3, 5)
    ref = F.conv_transpose2d(binary_sign(x), ref_w, stride=2, groups=2)
    out = conv(x)
    assert out.shape == (2, 6, 6, 10)
    assert torch.allclose(out, ref, atol=1e-6)


def test_bnn_transposed_k_equals_s_is_one_dot_product_per_pixel():
    conv = BinaryConvTranspose2d(5, 3, 2, stride=2, bias=False)
    out = conv(torch.randn(1, 5, 4, 4))
    assert torch.equal(out, out.round())
    assert out.abs().max() <= 5 and (out.abs() % 2 == 1).all()  # odd sums


def test_gradients_and_output_size():
    conv = BinaryConvTranspose2d(4, 4, 3, stride=2, padding=1,
                                 act_binarizer=dict(type='RSign'))
    x = torch.randn(2, 4, 5, 5, requires_grad=True)
    out = conv(x, output_size=[10, 10])
    assert out.shape == (2, 4, 10, 10)
    out.pow(2).sum().backward()
    for name, p in conv.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    with pytest.raises(ValueError, match='4-D'):
        conv(torch.zeros(4, 5, 5))


@pytest.mark.parametrize('cin,cout', [(8, 4), (4, 4), (3, 7)])
def test_bidense_upsample_bypass(cin, cout):
    up = BiDenseConvTranspose2d(cin, cout, 2, stride=2, bias=False)
    assert isinstance(up.act_binarizer, DAB)
    with torch.no_grad():
        up.weight.zero_()  # XNOR scale 0: the binary branch vanishes
    up.eval()
    x = torch.randn(2, cin, 3, 4)
    expected = channel_adaptive_bypass(
        F.interpolate(x, scale_factor=2, mode='nearest'), cout)
    assert torch.equal(up(x), expected)


@pytest.mark.parametrize('name', ['BinaryConvTranspose2d',
                                  'BiDenseConvTranspose2d'])
def test_build_upsample_layer(default_scope, name):
    layer = build_upsample_layer(
        dict(type=name), in_channels=4, out_channels=2, kernel_size=2,
        stride=2)
    assert type(layer).__name__ == name
    out = layer(torch.randn(2, 4, 3, 3))
    assert out.shape == (2, 2, 6, 6)


def test_transposed_bops_and_binary_params():
    model = torch.nn.Sequential(
        BinaryConvTranspose2d(4, 8, 2, stride=2, bias=False)).eval()
    r = analyze_complexity(model, torch.randn(1, 4, 4, 4))
    assert r['bops'] == 4 * 8 * 2 * 2 * 16 and r['flops'] == 0
    assert r['params_bin'] == 128 and r['params_fp'] == 0
