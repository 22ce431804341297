# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseUPerHead / BiDenseUPerDepthHead: the reference UPerNet decoder's
wiring (``models/upernet/bidense_upernet.py`` of frickyinn/BiDense),
transcribed here from its description and run with the head's own units
(the units themselves are checked in test_reference_equivalence.py)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmbin.models  # noqa: F401
from mmbin.ops import BiDenseConv, LearnableBias

IN = [8, 16, 32, 64]


def _head(**kw):
    init_default_scope('mmseg')
    cfg = dict(type='BiDenseUPerHead', in_channels=IN, in_index=[0, 1, 2, 3],
               channels=8, pool_scales=(1, 2, 4, 6), psp_channels=64,
               fuse_channels=12, head_channels=12, num_classes=5,
               conv_cfg=dict(type='BiDenseConv', pad_value=0.0),
               align_corners=True)
    cfg.update(kw)
    return MODELS.build(cfg)


def _feats(n=2, h=8, w=12):
    torch.manual_seed(0)
    return [torch.randn(n, c, h // 2**i, w // 2**i) for i, c in enumerate(IN)]


def _up(x, size):
    return F.interpolate(x, size=size, mode='bilinear', align_corners=True)


def ref_features(head, feats):
    """The reference forward up to the classifier: PPM on the last level;
    laterals on levels 1..3 only; P_i = smooth(up(l_i) + l_{i-1}) with one
    smooth conv; fusion of P_1, P_2, P_3 and l_3; projection, bilinear to
    the input size (4x the first level), 3x3 conv, ReLU."""
    f = list(feats)
    top = f[-1]
    size = top.shape[2:]
    f[-1] = head.psp_bottleneck(torch.cat(
        [top] + [_up(s(top), size) for s in head.psp_stages], 1))
    f[1:] = [conv(x) for conv, x in zip(head.lateral_convs, f[1:])]
    p = [head.smooth_conv(_up(f[i], f[i - 1].shape[2:]) + f[i - 1])
         for i in (3, 2, 1)]
    p = p[::-1] + [f[-1]]
    p = [p[0]] + [_up(x, p[0].shape[2:]) for x in p[1:]]
    x = head.fuse_conv(head.fpn_bottleneck(torch.cat(p, 1)))
    x = _up(x, (feats[0].shape[2] * 4, feats[0].shape[3] * 4))
    return F.relu(head.head_conv(x))


def test_head_matches_reference_wiring_and_widths():
    head = _head().eval()
    # widths: PPM stages C3/4, PPM output 64, FPN width = C0, no lateral on
    # level 0, one shared smooth conv, fusion 4*C0 -> C0 -> 12 -> 12
    assert [s[1].out_channels for s in head.psp_stages] == [16] * 4
    assert head.psp_bottleneck[0].in_channels == 64 + 4 * 16
    assert head.psp_bottleneck[0].out_channels == 64
    assert [c.in_channels for c in head.lateral_convs] == [16, 32, 64]
    assert isinstance(head.smooth_conv, BiDenseConv)
    assert [type(m) for m in head.fpn_bottleneck] == [
        BiDenseConv, LearnableBias, nn.PReLU, LearnableBias]
    assert head.fpn_bottleneck[0].in_channels == 4 * 8
    assert head.fpn_bottleneck[2].weight.numel() == 8  # per channel
    assert [type(m) for m in head.psp_stages[0]][1:] == [
        BiDenseConv, LearnableBias, nn.PReLU]
    assert isinstance(head.psp_bottleneck[-1], nn.Dropout2d)
    assert head.conv_seg.in_channels == 12
    feats = _feats()
    out = head(feats)
    assert out.shape == (2, 5, 32, 48)  # the input resolution
    expect = head.conv_seg(ref_features(head, feats))
    assert torch.allclose(out, expect, atol=1e-5)


def test_separate_smooth_convs_option():
    head = _head(share_smooth=False).eval()
    assert len(head.smooth_conv) == 3
    out = head(_feats())
    assert out.shape == (2, 5, 32, 48)
    # the reference shares one: with three, the parameter count grows by
    # two smooth units
    shared = _head()
    n = sum(p.numel() for p in head.smooth_conv[0].parameters())
    assert sum(p.numel() for p in head.parameters()) == \
        sum(p.numel() for p in shared.parameters()) + 2 * n


def test_depth_head():
    init_default_scope('mmseg')
    head = MODELS.build(
        dict(type='BiDenseUPerDepthHead', in_channels=IN,
             in_index=[0, 1, 2, 3], channels=8, psp_channels=64,
             fuse_channels=12, max_depth=10.0,
             conv_cfg=dict(type='BiDenseConv', pad_value=0.0),
             align_corners=True)).eval()
    assert head.head_conv.out_channels == 32  # the reference's depth head
    feats = _feats()
    depth = head(feats)
    expect = 10.0 * torch.sigmoid(head.conv_seg(ref_features(head, feats)))
    assert depth.shape == (2, 1, 32, 48)
    assert torch.allclose(depth, expect, atol=1e-5)
    assert 0 < depth.min() and depth.max() < 10


def test_bad_widths_are_explained():
    with pytest.raises(ValueError, match='in_channels\\[0\\]'):
        _head(channels=16)


@pytest.mark.parametrize('conv_cfg', [
    None,
    dict(type='CFBConv2d', act_binarizer=None, weight_binarizer=None),
    dict(type='ReActConv'),
])
def test_twins_keep_the_architecture(conv_cfg):
    """Other convolutions get the same BN + CFB unit structure (wrapped
    when they have none), so the output and the widths are unchanged."""
    head = _head(conv_cfg=conv_cfg).eval()
    assert head(_feats()).shape == (2, 5, 32, 48)
    ref = _head()

    def norms(m):
        return [mod.num_features for mod in m.modules()
                if isinstance(mod, nn.BatchNorm2d)]

    # one BN per unit (4 PPM + bottleneck + 3 laterals + shared smooth +
    # fusion + projection + head conv), same widths, same order
    assert norms(head) == norms(ref) and len(norms(ref)) == 12
