# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConvNeXt: stage shapes, architecture, backward, twins."""
import pytest
import torch
import torch.nn as nn

from mmbin.models.backbones import BiDenseConvNeXt
from mmbin.models.backbones.bidense_convnext import BiDenseConvNeXtBlock
from mmbin.ops import DAB, BiDenseConv, LearnableBias
from mmbin.ops.bidense_conv import CFBConv2d, NormBypass

SMALL = dict(depths=[1, 1, 2, 1], channels=[8, 16, 32, 64])


def test_tiny_defaults_and_stage_shapes():
    model = BiDenseConvNeXt()
    assert model.depths == [3, 3, 9, 3]
    assert model.out_channels == [96, 192, 384, 768]
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 32, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 96, 8, 16), (1, 192, 4, 8),
                                              (1, 384, 2, 4), (1, 768, 1, 2)]
    # full-precision stem 4x4/4 + BN; binary down-sampling k2s2
    assert type(model.stem[0]) is nn.Conv2d
    assert model.stem[0].kernel_size == (4, 4) and model.stem[0].stride == (
        4, 4)
    assert isinstance(model.stem[1], nn.BatchNorm2d)
    down = model.downsample_layers[0]
    assert isinstance(down, BiDenseConv)
    assert down.kernel_size == (2, 2) and down.stride == (2, 2)


def test_block_structure():
    block = BiDenseConvNeXtBlock(8)
    assert isinstance(block.dwconv, BiDenseConv)
    assert block.dwconv.groups == 8 and block.dwconv.kernel_size == (7, 7)
    assert block.pwconv1.out_channels == 32
    assert block.pwconv2.in_channels == 32
    assert isinstance(block.bias, LearnableBias)
    assert block.bias.num_parameters == 32
    assert isinstance(block.act, nn.PReLU) and block.act.num_parameters == 32
    assert isinstance(block.dwconv.act_binarizer, DAB)


def test_block_is_sum_of_bypasses_when_binary_paths_vanish():
    """With every binary weight zero (XNOR scale 0) and BNs in eval with
    default statistics, the block reduces to its bypasses: dw identity,
    pw1 tiles C -> 4C, bias 0 + PReLU, pw2 averages 4C -> C."""
    block = BiDenseConvNeXtBlock(4).eval()
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, BiDenseConv):
                m.weight.zero_()
    x = torch.randn(2, 4, 5, 6)
    tiled = block.act(torch.cat([x] * 4, dim=1))
    # pw2's CFB 16 -> 4: m = 4, g = 4, output j < 3 averages channels
    # j, j+3, j+6, j+9; the last output the remaining 12..15
    head = tiled[:, :12].reshape(2, 4, 3, 5, 6).mean(dim=1)
    last = tiled[:, 12:].mean(dim=1, keepdim=True)
    assert torch.allclose(
        block(x), torch.cat([head, last], dim=1), atol=1e-6)


@pytest.mark.parametrize('conv_cfg', [
    dict(type='BiDenseConv'),
    dict(type='BiDenseConv', scale_mode='output'),
    dict(type='CFBConv2d', act_binarizer=None, weight_binarizer=None),
    dict(type='ReActConv'),
    None,
])
def test_backward_and_shapes_for_every_conv_type(conv_cfg):
    torch.manual_seed(0)
    model = BiDenseConvNeXt(arch=SMALL, conv_cfg=conv_cfg)
    model.train()
    x = torch.randn(2, 3, 64, 64, requires_grad=True)
    outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(2, 8, 16, 16), (2, 16, 8, 8),
                                              (2, 32, 4, 4), (2, 64, 2, 2)]
    sum((o * torch.randn_like(o)).sum() for o in outs).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    missing = [
        n for n, p in model.named_parameters()
        if p.grad is None or not torch.isfinite(p.grad).all()
    ]
    assert not missing, missing
    # PReLU slopes, LearnableBias and the binary conv weights all learn
    assert model.stages[0][0].act.weight.grad.abs().sum() > 0
    assert model.stages[0][0].bias.bias.grad.abs().sum() > 0
    conv = model.stages[3][0].pwconv2
    weight = conv.weight if hasattr(conv, 'weight') else conv.layer.weight
    assert weight.grad.abs().sum() > 0


def test_plain_conv_cfg_gets_the_same_architecture():
    ours = BiDenseConvNeXt(arch=SMALL, conv_cfg=dict(type='ReActConv'))
    unit = ours.stages[1][0].pwconv1
    assert isinstance(unit, NormBypass)
    assert isinstance(unit.bn, nn.BatchNorm2d)
    fp = BiDenseConvNeXt(
        arch=SMALL,
        conv_cfg=dict(
            type='CFBConv2d', act_binarizer=None, weight_binarizer=None))
    assert isinstance(fp.stages[1][0].pwconv1, CFBConv2d)
    bidense = BiDenseConvNeXt(arch=SMALL)
    n_fp = sum(p.numel() for p in fp.parameters())
    n_bd = sum(p.numel() for p in bidense.parameters())
    dab = sum(
        p.numel() for m in bidense.modules() if isinstance(m, DAB)
        for p in m.parameters())
    assert n_bd - dab == n_fp  # identical apart from DAB's k, b, a


def test_stride_two_down_sampling_bypass_is_avg_pool():
    model = BiDenseConvNeXt(arch=SMALL).eval()
    down = model.downsample_layers[0]
    with torch.no_grad():
        down.weight.zero_()
    x = torch.randn(1, 8, 6, 8)
    pooled = nn.functional.avg_pool2d(x, 2)
    assert torch.allclose(down(x), torch.cat([pooled, pooled], 1), atol=1e-6)


def test_out_indices_frozen_stages_norm_eval():
    model = BiDenseConvNeXt(
        arch=SMALL, out_indices=(1, -1), frozen_stages=0, norm_eval=True)
    assert model.out_indices == [1, 3] and model.out_channels == [16, 64]
    model.train()
    outs = model(torch.randn(2, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [16, 64]
    assert not any(p.requires_grad for p in model.stem.parameters())
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert all(not m.training for m in model.modules()
               if isinstance(m, nn.BatchNorm2d))


def test_bad_arguments():
    with pytest.raises(KeyError, match='unknown arch'):
        BiDenseConvNeXt(arch='huge')
    with pytest.raises(KeyError, match='lacks "channels"'):
        BiDenseConvNeXt(arch=dict(depths=[1, 1]))
    with pytest.raises(ValueError, match='differ in length'):
        BiDenseConvNeXt(arch=dict(depths=[1], channels=[8, 16]))
    with pytest.raises(ValueError, match='out_indices 4 out of range'):
        BiDenseConvNeXt(arch=SMALL, out_indices=(4, ))


def test_registered_and_built_from_config():
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    model = MODELS.build(dict(type='BiDenseConvNeXt', arch='atto'))
    assert model.out_channels == [40, 80, 160, 320]
