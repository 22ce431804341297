# Copyright (c) mmbin contributors. All rights reserved.
"""CFB maps (METHODS.md section 2) on small tensors, exact values, and the
BiDenseConv bypass."""
import pytest
import torch
import torch.nn.functional as F

from mmbin.ops import CFB, BiDenseConv, channel_adaptive_bypass


def _channels(c, hw=(2, 3)):
    """x[:, i] == 10 * i + spatial index: every channel is recognisable."""
    base = torch.arange(hw[0] * hw[1], dtype=torch.float32).view(1, 1, *hw)
    return torch.cat([base + 10 * i for i in range(c)], dim=1)


def test_equal_channels_is_identity():
    x = _channels(4)
    assert channel_adaptive_bypass(x, 4) is x


def test_fusion_down_groups_with_stride():
    x = _channels(7)
    out = channel_adaptive_bypass(x, 3)
    # m=3, g=7//3=2: channels 0..3 viewed as (2, 2): out0=(c0+c2)/2,
    # out1=(c1+c3)/2; the remaining c4, c5, c6 average into out2
    expected = torch.cat([(x[:, 0:1] + x[:, 2:3]) / 2,
                          (x[:, 1:2] + x[:, 3:4]) / 2,
                          x[:, 4:7].mean(1, keepdim=True)], dim=1)
    assert torch.equal(out, expected)
    assert out[0, :, 0, 0].tolist() == [10.0, 20.0, 50.0]


def test_fusion_down_stride_pattern_larger():
    x = _channels(12)
    out = channel_adaptive_bypass(x, 4)
    # m=4, g=3: out_j averages j, j+3, j+6 for j < 3; out3 averages 9..11
    assert out[0, :, 0, 0].tolist() == [30.0, 40.0, 50.0, 100.0]


def test_fusion_down_to_one_channel_is_mean():
    x = _channels(5)
    assert torch.equal(channel_adaptive_bypass(x, 1), x.mean(1, keepdim=True))


def test_fusion_up_tiles_then_fuses_the_rest():
    x = _channels(3)
    out = channel_adaptive_bypass(x, 8)
    # 8 = 2 * 3 + 2: tile twice, then fusion-down of the input to 2
    # channels (m=2, g=1): [c0, mean(c1, c2)]
    expected = torch.cat([x, x, x[:, 0:1], x[:, 1:3].mean(1, keepdim=True)],
                         dim=1)
    assert torch.equal(out, expected)
    assert out[0, :, 0, 0].tolist() == [0., 10., 20., 0., 10., 20., 0., 15.]


def test_fusion_up_exact_multiple():
    x = _channels(2)
    out = CFB(6)(x)
    assert out[0, :, 1, 2].tolist() == [5., 15., 5., 15., 5., 15.]


def test_cfb_errors():
    with pytest.raises(ValueError, match='out_channels must be a positive'):
        channel_adaptive_bypass(_channels(2), 0)
    with pytest.raises(ValueError, match=r'expects \(N, C, ...\)'):
        channel_adaptive_bypass(torch.zeros(3), 2)


def _zero_binary_path(conv):
    """Zero weights -> XNOR scale 0 -> binary branch 0; BN in eval with
    default stats maps 0 to 0, so the output is the bypass alone."""
    with torch.no_grad():
        conv.weight.zero_()
    conv.eval()
    return conv


@pytest.mark.parametrize('cin,cout', [(4, 4), (4, 10), (6, 4)])
def test_bidense_conv_bypass_stride1(cin, cout):
    conv = _zero_binary_path(BiDenseConv(cin, cout, 3, padding=1, bias=False))
    x = torch.randn(2, cin, 6, 6)
    assert torch.equal(conv(x), channel_adaptive_bypass(x, cout))


def test_bidense_conv_stride2_uses_average_pooled_bypass():
    conv = _zero_binary_path(BiDenseConv(4, 8, 3, stride=2, padding=1,
                                         bias=False))
    x = torch.randn(2, 4, 8, 6)
    out = conv(x)
    assert out.shape == (2, 8, 4, 3)
    assert torch.allclose(out, torch.cat([F.avg_pool2d(x, 2)] * 2, 1))
    # k2s2 (ConvNeXt transition) and an odd size (adaptive pooling)
    conv2 = _zero_binary_path(BiDenseConv(4, 4, 2, stride=2, bias=False))
    assert torch.allclose(conv2(x), F.avg_pool2d(x, 2))
    x_odd = torch.randn(1, 4, 7, 7)
    assert conv(x_odd).shape == (1, 8, 4, 4)


def test_bidense_conv_without_norm():
    conv = BiDenseConv(4, 4, 3, padding=1, norm_cfg=None)
    assert conv.bn is None
    assert conv(torch.randn(1, 4, 5, 5)).shape == (1, 4, 5, 5)
