# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryConv2d and presets: exact reference outputs, +1 padding, errors,
gradients, and building from config with and without a default scope."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_conv_layer
from mmengine.registry import MODELS

from mmbin.ops import (DAB, BiDenseConv, BinaryConv2d, BiRealConv, BNNConv,
                       LearnableBias, ReActConv, RPReLU, RSign, XNORConv,
                       binary_sign)

CONV_TYPES = {
    'BinaryConv2d': BinaryConv2d,
    'BNNConv': BNNConv,
    'XNORConv': XNORConv,
    'BiRealConv': BiRealConv,
    'ReActConv': ReActConv,
    'BiDenseConv': BiDenseConv,
}


def _xnor(w):
    return w.abs().mean(dim=(1, 2, 3), keepdim=True) * binary_sign(w)


def test_padding_uses_plus_one():
    conv = BNNConv(1, 1, 3, padding=1, bias=False)
    with torch.no_grad():
        conv.weight.fill_(0.5)  # sign -> all +1
    x = -torch.ones(1, 1, 4, 4)  # binarized input all -1
    out = conv(x)
    # interior: 9 taps of -1; edge: 6 of -1 and 3 pads of +1; corner: 4/5
    assert out[0, 0, 1, 1] == -9
    assert out[0, 0, 0, 1] == -6 + 3
    assert out[0, 0, 0, 0] == -4 + 5
    zero_padded = F.conv2d(-torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3),
                           padding=1)
    assert zero_padded[0, 0, 0, 0] == -4  # what +1 padding avoids


@pytest.mark.parametrize('stride,padding,dilation,groups',
                         [(1, 1, 1, 1), (2, 1, 1, 1), (1, 2, 2, 2),
                          (1, (0, 1), 1, 1), (1, 'same', 1, 1)])
def test_matches_packed_kernel_reference(stride, padding, dilation, groups):
    torch.manual_seed(0)
    conv = XNORConv(4, 6, 3, stride=stride, padding=padding,
                    dilation=dilation, groups=groups, bias=True)
    x = torch.randn(2, 4, 7, 9)
    x[:, :, 3, 3] = 0.0
    pads = conv._reversed_padding_repeated_twice
    ref = F.conv2d(F.pad(binary_sign(x), pads, value=1.0), _xnor(conv.weight),
                   conv.bias, stride, 0, dilation, groups)
    assert torch.allclose(conv(x), ref, rtol=0, atol=1e-5)
    # +-1 inputs times +-1 weights: a BNN conv is integer-valued
    bnn = BNNConv(4, 6, 3, padding=padding, dilation=dilation, bias=False)
    out = bnn(x)
    assert torch.equal(out, out.round())


def test_pad_value_minus_one_and_invalid():
    conv = BNNConv(1, 1, 3, padding=1, bias=False, pad_value=-1.0)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    assert conv(torch.ones(1, 1, 3, 3))[0, 0, 0, 0] == 4 - 5
    with pytest.raises(ValueError, match='pad_value must be 1.0 or -1.0'):
        BNNConv(1, 1, 3, padding=1, pad_value=0.0)


def test_scaled_binarizer_pads_with_plus_scale():
    torch.manual_seed(0)
    conv = BinaryConv2d(
        2, 1, 3, padding=1, bias=False,
        act_binarizer=dict(type='DAB'), weight_binarizer=None)
    with torch.no_grad():
        conv.act_binarizer.a.copy_(torch.tensor([0.5, -0.3]))
    x = torch.randn(1, 2, 4, 4)
    b, alpha = conv.act_binarizer.binarize(x)
    ref = F.conv2d(F.pad(b, (1, 1, 1, 1), value=1.0) * alpha, conv.weight)
    assert torch.allclose(conv(x), ref, atol=1e-6)
    assert not torch.allclose(alpha, torch.ones_like(alpha))


def test_reflect_padding_keeps_two_values():
    conv = BinaryConv2d(1, 1, 3, padding=1, padding_mode='reflect',
                        bias=False)
    x = torch.randn(1, 1, 5, 5)
    ref = F.conv2d(F.pad(binary_sign(x), (1, 1, 1, 1), mode='reflect'),
                   binary_sign(conv.weight))
    assert torch.equal(conv(x), ref)


def test_real_input_pads_with_zero_like_conv2d():
    conv = BinaryConv2d(3, 4, 3, padding=1, act_binarizer=None,
                        weight_binarizer=dict(type='XNORWeight'))
    assert not conv.binarized_input and conv.binarized_weight
    x = torch.randn(1, 3, 5, 5)
    ref = F.conv2d(x, _xnor(conv.weight), conv.bias, padding=1)
    assert torch.allclose(conv(x), ref, atol=1e-6)


def test_errors_name_the_culprit():
    with pytest.raises(KeyError, match='act_binarizer: unknown type "Nope"'):
        BinaryConv2d(3, 4, 3, act_binarizer=dict(type='Nope'))
    with pytest.raises(TypeError, match='not a BaseWeightBinarizer'):
        BinaryConv2d(3, 4, 3, weight_binarizer=dict(type='SignSTE'))
    with pytest.raises(KeyError, match='no "type" key'):
        BinaryConv2d(3, 4, 3, act_binarizer=dict(channels=3))
    with pytest.raises(TypeError, match='ReActConv fixes act_binarizer'):
        ReActConv(3, 4, 3, act_binarizer=dict(type='SignSTE'))
    with pytest.raises(ValueError, match=r'4-D \(N, C, H, W\)'):
        BNNConv(3, 4, 3)(torch.zeros(3, 5, 5))


@pytest.mark.parametrize('name', sorted(CONV_TYPES))
def test_gradients_reach_every_parameter(name):
    torch.manual_seed(0)
    conv = CONV_TYPES[name](4, 6, 3, stride=2, padding=1)
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    out = conv(x)
    assert out.shape == (2, 6, 4, 4)
    (out * torch.randn_like(out)).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for pname, p in conv.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, pname


def test_preset_binarizers():
    expected = {
        'BinaryConv2d': ('SignSTE', 'SignWeight'),
        'BNNConv': ('SignSTE', 'SignWeight'),
        'XNORConv': ('SignSTE', 'XNORWeight'),
        'BiRealConv': ('ApproxSign', 'XNORWeight'),
        'ReActConv': ('RSign', 'XNORWeight'),
        'BiDenseConv': ('DAB', 'XNORWeight'),
    }
    for name, (act, wgt) in expected.items():
        conv = CONV_TYPES[name](8, 8, 3, padding=1)
        assert type(conv.act_binarizer).__name__ == act
        assert type(conv.weight_binarizer).__name__ == wgt
        assert isinstance(conv, nn.Conv2d)
    assert ReActConv(8, 4, 1).act_binarizer.channels == 8


@pytest.mark.parametrize('name', sorted(CONV_TYPES))
def test_build_conv_from_config(default_scope, name):
    conv = build_conv_layer(dict(type=name), 4, 8, 3, padding=1, bias=False)
    assert type(conv) is CONV_TYPES[name]
    assert conv.padding == (1, 1) and conv.bias is None
    module = ConvModule(
        4, 8, 3, padding=1, conv_cfg=dict(type=name),
        norm_cfg=dict(type='BN'), act_cfg=dict(type='RPReLU'))
    assert type(module.conv) is CONV_TYPES[name]
    assert isinstance(module.activate, RPReLU)
    out = module(torch.randn(2, 4, 6, 6))
    assert out.shape == (2, 8, 6, 6)
    out.sum().backward()


def test_build_binary_conv2d_with_custom_binarizers(default_scope):
    conv = build_conv_layer(
        dict(type='BinaryConv2d', act_binarizer=dict(type='DAB'),
             weight_binarizer=dict(type='XNORWeight'), pad_value=-1.0),
        4, 8, 3, padding=1)
    assert isinstance(conv.act_binarizer, DAB)
    assert conv.act_binarizer.channels == 4 and conv.pad_value == -1.0


def test_build_layers_and_binarizers_from_registry(default_scope):
    rp = build_activation_layer(dict(type='RPReLU', num_parameters=8))
    lb = build_activation_layer(dict(type='LearnableBias', num_parameters=8))
    assert isinstance(rp, RPReLU) and rp.num_parameters == 8
    assert isinstance(lb, LearnableBias)
    rsign = MODELS.build(dict(type='RSign', channels=5))
    assert isinstance(rsign, RSign)
    for name in ('SignSTE', 'ApproxSign', 'DAB', 'SignWeight', 'XNORWeight'):
        assert MODELS.get(name) is not None


def test_registered_in_mmseg_scope_explicitly():
    from mmseg.registry import MODELS as MMSEG_MODELS
    assert MMSEG_MODELS.get('mmseg.BNNConv') is BNNConv
    assert MMSEG_MODELS.get('BiDenseConv') is BiDenseConv
