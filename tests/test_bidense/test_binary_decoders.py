# Copyright (c) mmbin contributors. All rights reserved.
"""MMSegmentation's UPerHead, FPN neck and FPNHead binarized through
``conv_cfg`` alone: every conv a BiDenseConv, the classifier full
precision, one norm per conv."""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmbin.ops import BiDenseConv

IN_CHANNELS = [8, 16, 32, 64]
BINARY = dict(
    conv_cfg=dict(type='BiDenseConv'),
    norm_cfg=None,
    act_cfg=dict(type='PReLU'))


def _feats(n=2, h=16, w=16):
    return [
        torch.randn(n, c, h // 2**i, w // 2**i)
        for i, c in enumerate(IN_CHANNELS)
    ]


def _check_binary(module):
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    binary = [m for m in convs if isinstance(m, BiDenseConv)]
    assert binary
    for m in module.modules():
        if hasattr(m, 'conv') and isinstance(m.conv, BiDenseConv):
            assert not getattr(m, 'with_norm', False)  # no second norm
    return [m for m in convs if not isinstance(m, BiDenseConv)]


@pytest.mark.parametrize('head', ['UPerHead', 'FPNHead'])
def test_decode_heads(head):
    init_default_scope('mmseg')
    cfg = dict(
        type=head,
        in_channels=IN_CHANNELS,
        in_index=[0, 1, 2, 3],
        channels=16,
        num_classes=5,
        **BINARY)
    if head == 'FPNHead':
        cfg.update(in_channels=[16] * 4, feature_strides=[4, 8, 16, 32])
    else:
        cfg.update(pool_scales=(1, 2))
    model = MODELS.build(cfg)
    fp = _check_binary(model)
    assert fp == [model.conv_seg]  # only the classifier is full precision
    feats = _feats() if head == 'UPerHead' else [
        torch.randn(2, 16, 16 // 2**i, 16 // 2**i) for i in range(4)
    ]
    out = model(feats)
    assert out.shape == (2, 5, 16, 16)
    out.sum().backward()
    assert all(m.weight.grad is not None for m in model.modules()
               if isinstance(m, BiDenseConv))


def test_fpn_neck():
    init_default_scope('mmseg')
    neck = MODELS.build(
        dict(
            type='FPN',
            in_channels=IN_CHANNELS,
            out_channels=16,
            num_outs=4,
            **BINARY))
    assert _check_binary(neck) == []
    outs = neck(_feats())
    assert [tuple(o.shape) for o in outs] == [(2, 16, 16, 16), (2, 16, 8, 8),
                                              (2, 16, 4, 4), (2, 16, 2, 2)]
