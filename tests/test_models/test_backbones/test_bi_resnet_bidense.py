# Copyright (c) mmbin contributors. All rights reserved.
"""BiResNet / BiBasicBlock with convolutions that bring their own norm and
bypass (BiDense units): one norm and one bypass per binary conv (issue 17:
the block used to add its own BN and shortcut around the complete unit)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmbin.models.backbones import BiBasicBlock, BiResNet
from mmbin.models.backbones.bi_resnet import conv_brings_norm_bypass
from mmbin.ops import BiDenseConv

BIDENSE = dict(type='BiDenseConv')


def _randomise_bn(model):
    # non-trivial BN statistics and affines, so that a missing or an extra
    # norm changes the output
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen))
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=gen))


def test_conv_brings_norm_bypass():
    assert conv_brings_norm_bypass(BIDENSE) == (True, True)
    assert conv_brings_norm_bypass(
        dict(type='BiDenseConv', with_bypass=False)) == (True, False)
    assert conv_brings_norm_bypass(
        dict(type='BiDenseConv', norm_cfg=None, with_bypass=False)) == \
        (False, False)
    assert conv_brings_norm_bypass(dict(type='ReActConv')) == (False, False)
    assert conv_brings_norm_bypass(None) == (False, False)


@pytest.mark.parametrize('stride', [1, 2])
def test_block_with_bidense_units_computes_one_norm_one_bypass(stride):
    torch.manual_seed(0)
    cin, cout = (8, 8) if stride == 1 else (8, 16)
    block = BiBasicBlock(
        cin, cout, stride=stride, conv_cfg=BIDENSE,
        act_cfg=dict(type='PReLU')).eval()
    _randomise_bn(block)
    assert block.norm1 is None and block.norm2 is None
    assert not block.with_shortcut and block.downsample is None
    assert [n for n, _ in block.named_children()] == \
        ['conv1', 'act1', 'conv2', 'act2']
    x = torch.randn(2, cin, 8, 8)
    with torch.no_grad():
        # BiDense's unit written out: BN(BinConv(DAB(x))) + CFB(P(x)), P =
        # AvgPool2d(stride), CFB tiles 8 -> 16 channels
        c1, c2 = block.conv1, block.conv2
        p = F.avg_pool2d(x, stride) if stride > 1 else x
        bypass = p.repeat(1, cout // cin, 1, 1)
        h = block.act1(c1.bn(c1.conv_binary(x)) + bypass)
        expected = block.act2(c2.bn(c2.conv_binary(h)) + h)
        out = block(x)
    assert out.shape == (2, cout, 8 // stride, 8 // stride)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
    # the issue-17 form act(BN(BN(BinConv) + CFB) + x) is a different map
    with torch.no_grad():
        bn = nn.BatchNorm2d(cout).eval()
        _randomise_bn(bn)
        old = block.act1(bn(c1(x)) + (bypass if stride > 1 else x))
        assert not torch.allclose(old, block.act1(c1(x)), atol=1e-3)


def test_bires18_with_bidense_has_one_bn_per_conv_and_no_downsample():
    model = BiResNet(depth=18, conv_cfg=BIDENSE).eval()
    bn_names = [
        n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)
    ]
    convs = [n for n, m in model.named_modules() if isinstance(m, BiDenseConv)]
    assert len(convs) == 16
    # one BN per binary conv (its own) plus the three of the deep stem
    assert sorted(bn_names) == sorted([f'{c}.bn' for c in convs] +
                                      ['stem.1', 'stem.4', 'stem.7'])
    assert all(
        model.get_submodule(f'layer{i}')[0].downsample is None
        for i in range(1, 5))
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 64, 16, 16), (1, 128, 8, 8),
                                              (1, 256, 4, 4), (1, 512, 2, 2)]
    # the default init covers the units' BNs and convs
    model.init_weights()
    assert all(
        m.weight.eq(1).all() for m in model.modules()
        if isinstance(m, nn.BatchNorm2d))


def test_block_with_norm_only_conv_keeps_the_shortcut():
    # a conv with its own BN and no bypass: the block adds the shortcut
    # (with its downsample) and no second norm
    cfg = dict(type='BiDenseConv', with_bypass=False)
    model = BiResNet(depth=18, conv_cfg=cfg).eval()
    block = model.layer2[0]
    assert block.norm1 is None and block.with_shortcut
    assert block.downsample is not None
    x = torch.randn(1, 64, 8, 8)
    with torch.no_grad():
        h = block.act1(block.conv1(x) + block.downsample(x))
        expected = block.act2(block.conv2(h) + h)
        torch.testing.assert_close(block(x), expected, rtol=0, atol=1e-6)


def test_block_refuses_doubled_norm_or_bypass():
    with pytest.raises(ValueError, match='no norm'):
        BiBasicBlock(8, 8, conv_cfg=dict(type='BiDenseConv', norm_cfg=None))
    with pytest.raises(ValueError, match='second one'):
        BiBasicBlock(
            8,
            16,
            stride=2,
            conv_cfg=BIDENSE,
            downsample=nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(8, 16, 1)))
